// What each byte of each file was at a crash, and what the reboot made of it: durable, unsynced, in
// flight; then kept, lost, torn, zeroed or garbage. The picture's byte strips are drawn from this; it
// is the simulated disk's fault model (model/disk.ts) seen one byte at a time.

import { at } from '../../src/engine/errors.js';
import { listing, readFile, type Disk, type FileImage } from '../../model/disk.js';
import type { CrashEvent } from '../../model/system.js';

/** The shade of one byte. */
export type Shade =
  | 'durable'
  | 'unsynced'
  | 'in-flight'
  | 'kept'
  | 'lost'
  | 'torn'
  | 'zeroed'
  | 'garbage';

/** Every shade, in legend order, with what it means. */
export const SHADES: readonly (readonly [Shade, string])[] = [
  ['durable', 'durable: fsynced before the crash'],
  ['unsynced', 'unsynced: written, in the page cache only'],
  ['in-flight', 'in flight: the write the crash interrupted'],
  ['kept', 'kept: unsynced, yet it survived'],
  ['lost', 'lost: gone after the reboot'],
  ['torn', 'torn: the kept start of a write cut short'],
  ['zeroed', 'zeroed: the right length, but zeros'],
  ['garbage', 'garbage: the right length, wrong bytes'],
];

/** A directory entry's state. */
export type EntryState = 'durable' | 'pending' | 'unlinking' | 'absent';

/** One file's bytes and their shades. */
export interface Strip {
  readonly bytes: Uint8Array;
  readonly shades: readonly Shade[];
}

/** One file at a crash and after the reboot. */
export interface FileFate {
  readonly name: string;
  readonly before: Strip;
  readonly after: Strip;
  /** The file's directory entry at the crash, and after the reboot. */
  readonly entryBefore: EntryState;
  readonly entryAfter: EntryState;
}

function fileAt(disk: Disk, name: string): FileImage | undefined {
  const inode = disk.entries.get(name);
  return inode === undefined ? undefined : disk.inodes.get(inode);
}

/** Whether `name` is listed, durably listed, both or neither. */
export function entryState(disk: Disk, name: string): EntryState {
  const listed = disk.entries.has(name);
  const durable = disk.durableEntries.get(name);
  if (listed && durable === disk.entries.get(name)) return 'durable';
  if (listed) return 'pending';
  return durable === undefined ? 'absent' : 'unlinking';
}

/** The file `name` names at the crash, or the one a rename in flight was moving onto that name. */
function imageAt(event: CrashEvent, name: string): FileImage | undefined {
  const step = event.inFlight;
  if (step?.kind === 'rename' && step.to === name) return fileAt(event.before, step.from);
  return fileAt(event.before, name);
}

/** What `file` would hold had the crash not happened: the page cache plus the step in flight. */
export function intended(event: CrashEvent, name: string): Uint8Array {
  const visible = imageAt(event, name)?.visible ?? new Uint8Array();
  const step = event.inFlight;
  if (step?.kind !== 'append' || step.file !== name) return visible;
  const out = new Uint8Array(step.offsetBytes + step.data.length);
  out.set(visible.subarray(0, step.offsetBytes));
  out.set(step.data, step.offsetBytes);
  return out;
}

function afterShade(i: number, after: Uint8Array, want: Uint8Array, file: FileImage): Shade {
  if (i >= after.length) return 'lost';
  const b = at(after, i, 'byte after the reboot');
  if (i < want.length && b === want[i]) {
    if (i < file.durable.length) return 'durable';
    if (i >= file.visible.length && after.length < want.length) return 'torn';
    return 'kept';
  }
  return b === 0 ? 'zeroed' : 'garbage';
}

/** Each file's fate at one crash, in name order. */
export function fates(event: CrashEvent): FileFate[] {
  const names = [...new Set([...listing(event.before), ...listing(event.image)])].sort();
  return names.map((name) => {
    const file = imageAt(event, name);
    const want = intended(event, name);
    const got = readFile(event.image, name) ?? new Uint8Array();
    const durable = file?.durable.length ?? 0;
    const visible = file?.visible.length ?? 0;
    // Bytes a rename in flight was bringing under this name count as in flight.
    const moved = file !== fileAt(event.before, name);
    const before = Array.from(want, (_, i): Shade => {
      if (moved) return 'in-flight';
      return i < Math.min(durable, visible) ? 'durable' : i < visible ? 'unsynced' : 'in-flight';
    });
    const size = Math.max(got.length, want.length);
    const after = Array.from(
      { length: size },
      (_, i): Shade => (file === undefined ? 'durable' : afterShade(i, got, want, file)),
    );
    return {
      name,
      before: { bytes: want, shades: before },
      after: { bytes: got, shades: after },
      entryBefore: entryState(event.before, name),
      entryAfter: entryState(event.image, name),
    };
  });
}
