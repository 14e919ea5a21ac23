// The runtime's native speed for the engine's pure hot loops (the shell's side of bytes.ts's
// installOneByteText and crc32.ts's installCrc32Accelerator): the engine must not import node:
// modules, so the shell installs what Node.js does natively, once, when the store module loads. The
// results are the portable code's exactly (test/io/native.test.ts checks it); only the speed differs.

import { Buffer } from 'node:buffer';
import * as zlib from 'node:zlib';
import { installOneByteText } from '../engine/bytes.js';
import { installCrc32Accelerator } from '../engine/crc32.js';

/**
 * bytes[from, to) as latin1 (one unit per byte): a copy into a one-byte string, about five times
 * TextDecoder's speed here. A snapshot load decodes its whole file this way, a region at a time.
 */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', from, to);
}

/** Install the native helpers; idempotent. */
export function installNative(): void {
  installOneByteText(latin1);
  // Node's CRC-32 for ranges of 256 bytes and more (about 6 GB/s against the loop's 0.9): whole
  // snapshot files, compaction's chunks, long values. zlib.crc32 arrived in Node 20.15 and 22.2; on
  // older Node the loop does the work alone. The install checks it against the loop first.
  if (typeof zlib.crc32 === 'function')
    installCrc32Accelerator((bytes, previous) => zlib.crc32(bytes, previous));
}
