// Output that always arrives: write every byte of a line to a file descriptor, whatever is on the
// other end. A pipe may be non-blocking (set so by a parent or by node itself), and then a write can
// be short or fail with EAGAIN while the reader is slow; both are finished here, sleeping a few ms
// between tries (Atomics.wait, which blocks without burning the CPU) instead of dropping the rest.
// KVStore v3 wrote with printf and never looked at the result.

import { writeSync } from 'node:fs';
import { systemErrorCode } from '../src/io/fs.js';

/** How long to sleep when the reader is not keeping up. */
const RETRY_MS = 2;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** A writer for one descriptor. After EPIPE (the reader is gone) further writes are dropped. */
export interface FdWriter {
  /** Write every byte of `text`, waiting for a slow reader as long as it takes. */
  write(text: string): void;
  /** True once the reader closed its end. */
  readonly closed: boolean;
}

/** A writer for `fd` (1 for stdout, 2 for stderr). `write` is the syscall, replaceable in tests. */
export function fdWriter(
  fd: number,
  write: (fd: number, data: Uint8Array, offset: number, length: number) => number = writeSync,
): FdWriter {
  let closed = false;
  return {
    get closed() {
      return closed;
    },
    write(text) {
      if (closed) return;
      const data = Buffer.from(text, 'utf8');
      let done = 0;
      // Each pass writes at least one byte or sleeps: it ends when the reader has taken everything,
      // or at once when the reader has gone away.
      while (done < data.length) {
        try {
          done += write(fd, data, done, data.length - done);
        } catch (e) {
          const code = systemErrorCode(e);
          if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') {
            Atomics.wait(sleeper, 0, 0, RETRY_MS);
            continue;
          }
          if (code === 'EPIPE') {
            closed = true;
            return;
          }
          throw e;
        }
      }
    },
  };
}
