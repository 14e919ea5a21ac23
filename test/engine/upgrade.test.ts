// A kvlab 0.1 store (format v1, spec/vectors/format-v1.json) opens, and the first writable open
// upgrades both files to format v2; a read-only open changes nothing; a damaged v1 file is refused
// with what to do about it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/engine/bytes.js';
import { crc32 } from '../../src/engine/crc32.js';
import { FILES } from '../../src/engine/plan.js';
import { memoryFileSystem, type FileSystem } from '../../src/io/fs.js';
import { openStore } from '../../src/io/store.js';

interface V1Vectors {
  walHeader: { baseLsn: number; hex: string }[];
  records: { hex: string }[];
  snapshots: { lsn: number; hex: string }[];
}
const v1: V1Vectors = JSON.parse(
  readFileSync(new URL('../../spec/vectors/format-v1.json', import.meta.url), 'utf8'),
);
const hex = (text: string | undefined) => new Uint8Array(Buffer.from(text ?? '', 'hex'));

function write(fs: FileSystem, path: string, bytes: Uint8Array): void {
  const fd = fs.open(path, 'w');
  fs.write(fd, bytes, 0);
  fs.close(fd);
}

/** A v1 store: the snapshot at LSN 7 of the vectors, and an empty v1 log after it. */
function v1Store(): FileSystem {
  const fs = memoryFileSystem();
  fs.mkdir('/db');
  const header = hex(v1.walHeader[0]?.hex).slice();
  // A v1 header with base LSN 7: u64 at byte 8, then the CRC of bytes 0..15 at 16.
  new DataView(header.buffer).setUint32(8, 7, true);
  const crc = new DataView(header.buffer);
  crc.setUint32(16, crc32(header, 0, 16), true);
  write(fs, `/db/${FILES.wal}`, header);
  write(fs, `/db/${FILES.snapshot}`, hex(v1.snapshots[1]?.hex));
  return fs;
}

describe('a format v1 store', () => {
  it('opens read-only without a change, and is upgraded to v2 by the first writable open', () => {
    const fs = v1Store();
    const before = fs.readFile(`/db/${FILES.snapshot}`);
    const ro = openStore('/db', { fs, readOnly: true });
    expect(ro.scan({}).map((e) => e.key)).toEqual(['a', 'b', '😀']);
    ro.close();
    expect(fs.readFile(`/db/${FILES.snapshot}`)).toEqual(before);
    const s = openStore('/db', { fs });
    expect(s.recovery.repairs).toEqual([
      expect.stringMatching(
        /upgraded kvlab.snap and kvlab.wal from format v1 to v2 \(3 keys, LSN 7\)/,
      ),
    ]);
    s.put('c', '3');
    s.close();
    expect(fs.readFile(`/db/${FILES.wal}`)?.[4]).toBe(2); // the version byte
    expect(fs.readFile(`/db/${FILES.snapshot}`)?.[4]).toBe(2);
    const again = openStore('/db', { fs });
    expect(again.recovery.repairs).toEqual([]);
    expect(again.get('c')).toBe('3');
    expect(again.stats().lastLsn).toBe(8);
    again.close();
  });

  it('is refused when damaged, saying to salvage it with the previous kvlab first', () => {
    const fs = memoryFileSystem();
    fs.mkdir('/db');
    const log = concatBytes([hex(v1.walHeader[0]?.hex), ...v1.records.map((r) => hex(r.hex))]);
    write(fs, `/db/${FILES.wal}`, log.subarray(0, log.length - 1));
    for (const recovery of ['tolerate-tail', 'salvage'] as const)
      expect(() => openStore('/db', { fs, recovery })).toThrow(/previous kvlab \(0\.1\)/);
  });
});

describe('a v2 file whose version field a flipped bit reads as 1', () => {
  it('stays a damaged v2 file: salvage opens it, tolerate-tail refuses it as damage', () => {
    // Found by the CI campaign: xor 0x3 at byte 4 of a v2 log turns version 2 into 1; the log was
    // then read as "a damaged v1 log", which every mode refused, salvage included.
    const fs = memoryFileSystem();
    const store = openStore('/db', { fs });
    store.put('a', '1');
    store.put('b', '2');
    store.close();
    const path = `/db/${FILES.wal}`;
    const bytes = (fs.readFile(path) ?? new Uint8Array()).slice();
    expect(bytes[4]).toBe(2);
    bytes[4] = 1;
    write(fs, path, bytes);
    expect(() => openStore('/db', { fs, readOnly: true })).toThrow(/CORRUPTED/);
    expect(() => openStore('/db', { fs, readOnly: true })).not.toThrow(/format v1/);
    const salvaged = openStore('/db', { fs, recovery: 'salvage' });
    expect(salvaged.scan()).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    salvaged.close();
  });
});
