// The directory lock (the seed had none: two processes could append to one log and interleave records).
// A LOCK file created exclusively holds the owner's pid and, on Linux, its start time. A second opener
// that finds it checks whether that process still lives: if it does, LOCKED at once; if it died (killed,
// crashed), the lock is stale and is taken over. The start time keeps a recycled pid from looking alive.
// Limit: two processes breaking the same stale lock at the same instant could both succeed; kvlab is a
// single-writer store and does not defend against that race.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KvError } from '../engine/errors.js';
import { FILES } from '../engine/plan.js';
import type { DirLock, FileSystem } from './fs.js';

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot; undefined off Linux. */
function processStart(pid: number): { start: string; zombie: boolean } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { start: fields[19] ?? '', zombie: fields[0] === 'Z' || fields[0] === 'X' };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number, start: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (e as { code?: string }).code === 'EPERM';
  }
  const info = processStart(pid);
  if (info === undefined) return true; // no /proc: trust kill(0)
  if (info.zombie) return false; // killed and not yet reaped: it will never write again
  return start === undefined || start === '' || info.start === start;
}

/** Take the lock on `dir`, or throw LOCKED naming the owner's pid. */
export function acquireLock(fs: FileSystem, dir: string): DirLock {
  const path = join(dir, FILES.lock);
  const me = `${process.pid} ${processStart(process.pid)?.start ?? ''}\n`;
  // Two attempts: the first may find a stale lock and remove it; a second failure means someone else won.
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = fs.open(path, 'wx');
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST')
        throw new KvError('IO', `cannot create the lock: ${(e as Error).message}`, {
          file: FILES.lock,
        });
      const text = new TextDecoder().decode(fs.readFile(path) ?? new Uint8Array());
      const [pidText, start] = text.trim().split(' ');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid, start)) {
        throw new KvError('LOCKED', `${dir} is in use by process ${pid}`, { file: FILES.lock });
      }
      try {
        fs.unlink(path); // stale: its owner is gone
      } catch {
        // Someone else removed it first; the next attempt decides.
      }
      continue;
    }
    try {
      fs.write(fd, new TextEncoder().encode(me), 0);
    } finally {
      fs.close(fd);
    }
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        try {
          fs.unlink(path);
        } catch {
          // Already gone: nothing to release.
        }
      },
    };
  }
  throw new KvError('LOCKED', `${dir} is being locked by another process`, { file: FILES.lock });
}
