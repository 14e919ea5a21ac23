// The plan runner: carries out an engine plan (src/engine/plan.ts) on a FileSystem, step by step, in
// order. It keeps the log's file descriptor open across appends, and checks each append lands at the
// file's current end, pairing the engine's idea of the file size with the shell's.

import { join } from 'node:path';
import { errorMessage, KvError } from '../engine/errors.js';
import { describeStep, type Plan, type Step } from '../engine/plan.js';
import { systemErrorCode, type FileSystem } from './fs.js';

/** A descriptor the runner keeps open, and the file size the runner believes it has. */
export interface OpenFile {
  /** The descriptor. */
  readonly fd: number;
  /** The size the runner believes the file has: every append is asserted to land there. */
  sizeBytes: number;
}

/** Runs plans inside one store directory. */
export class PlanRunner {
  /** Open descriptors by file name (protected: the checker's mutation tests subclass the runner). */
  protected readonly open = new Map<string, OpenFile>();

  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
  ) {}

  /** Run every step; the first failure throws KvError IO naming the step and file, and stops the plan. */
  run(plan: Plan): void {
    for (const step of plan) {
      try {
        this.step(step);
      } catch (e) {
        if (e instanceof KvError) throw e;
        const file =
          step.kind === 'rename' ? step.from : step.kind === 'fsyncDir' ? '.' : step.file;
        const code = systemErrorCode(e) ?? '';
        throw new KvError(
          'IO',
          `${describeStep(step)} failed${code ? ` (${code})` : ''}: ${errorMessage(e)}`,
          { file },
          { cause: e },
        );
      }
    }
  }

  /** Paths by file name: a store names the same few files over and over. */
  private readonly paths = new Map<string, string>();

  private path(file: string): string {
    let path = this.paths.get(file);
    if (path === undefined) {
      path = join(this.dir, file);
      this.paths.set(file, path);
    }
    return path;
  }

  private file(name: string): OpenFile {
    let f = this.open.get(name);
    if (f === undefined) {
      const fd = this.fs.open(this.path(name), 'r+');
      f = { fd, sizeBytes: this.fs.size(fd) };
      this.open.set(name, f);
    }
    return f;
  }

  private forget(name: string): void {
    const f = this.open.get(name);
    if (f !== undefined) {
      this.open.delete(name);
      this.fs.close(f.fd);
    }
  }

  /** Carry out one step (protected: the checker's mutation tests put a mistake in here). */
  protected step(step: Step): void {
    switch (step.kind) {
      case 'create':
        this.forget(step.file);
        this.open.set(step.file, { fd: this.fs.open(this.path(step.file), 'w'), sizeBytes: 0 });
        return;
      case 'append': {
        const f = this.file(step.file);
        if (f.sizeBytes !== step.offsetBytes) {
          throw new KvError(
            'INTERNAL',
            `append at ${step.offsetBytes} but the file holds ${f.sizeBytes} bytes`,
            {
              file: step.file,
              offsetBytes: step.offsetBytes,
            },
          );
        }
        this.fs.write(f.fd, step.data, step.offsetBytes);
        f.sizeBytes += step.data.length;
        return;
      }
      case 'fsync':
        this.fs.fsync(this.file(step.file).fd);
        return;
      case 'truncate': {
        const f = this.file(step.file);
        this.fs.truncate(f.fd, step.sizeBytes);
        f.sizeBytes = step.sizeBytes;
        return;
      }
      case 'rename': {
        this.fs.rename(this.path(step.from), this.path(step.to));
        // The descriptor follows the file to its new name; the one on the replaced file is closed.
        this.forget(step.to);
        const moved = this.open.get(step.from);
        if (moved !== undefined) {
          this.open.delete(step.from);
          this.open.set(step.to, moved);
        }
        return;
      }
      case 'unlink':
        this.forget(step.file);
        this.fs.unlink(this.path(step.file));
        return;
      case 'fsyncDir':
        this.fs.fsyncDir(this.dir);
        return;
    }
  }

  /** Close every descriptor. Errors on close are ignored: what mattered was fsynced, or never promised. */
  closeAll(): void {
    for (const name of [...this.open.keys()]) {
      try {
        this.forget(name);
      } catch {
        // A failing close() cannot un-write data; the store is closing either way.
      }
    }
  }
}
