// The runtime's native speed for the engine's pure hot loops (the shell's side of bytes.ts's
// installOneByteText): the engine must not import node: modules, so the shell installs what Node.js
// does natively, once, when the store module loads. The results are the portable code's exactly
// (test/io/native.test.ts checks it); only the speed differs.

import { Buffer } from 'node:buffer';
import { installOneByteText } from '../engine/bytes.js';

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
}
