// End-to-end tests of the built `kvlab` on a real directory: every command, --json, exit codes,
// inspect, verify naming the file and offset of a flipped byte, the shell, and the lock between shells.
import { mkdtempSync, openSync, closeSync, readSync, writeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FILES } from '../../src/engine/plan.js';
import { kvlab, startShell } from './kvlab.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvlab-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const at = (...args: string[]) => kvlab([...args, '--dir', dir]);

function flipByte(file: string, offset: number): void {
  const fd = openSync(join(dir, file), 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, offset);
  b[0] = (b[0] as number) ^ 0x40;
  writeSync(fd, b, 0, 1, offset);
  closeSync(fd);
}

describe('kvlab', () => {
  it('puts, gets, deletes, scans, snapshots, compacts and reports stats', () => {
    expect(at('put', 'a b', 'x\ny')).toMatchObject({ code: 0, stdout: 'ok 1\n' });
    expect(at('put', 'c', '3').stdout).toBe('ok 2\n');
    expect(at('get', 'a b')).toMatchObject({ code: 0, stdout: '"x\\ny"\n' });
    expect(at('get', 'a b', '--json').stdout).toBe('{"key":"a b","found":true,"value":"x\\ny"}\n');
    expect(at('scan', '--from', 'b', '--json').stdout).toBe('[{"key":"c","value":"3"}]\n');
    expect(at('scan', '--limit', '1').stdout).toBe('"a b"\t"x\\ny"\n');
    expect(at('snapshot').stdout).toBe('ok 2\n');
    expect(at('del', 'c').stdout).toBe('ok 3\n');
    expect(at('compact').stdout).toBe('ok 3\n');
    expect(JSON.parse(at('stats', '--json').stdout)).toMatchObject({
      keys: 1,
      lastLsn: 3,
      snapshotLsn: 3,
      phase: 'READY',
    });
    expect(at('stats').stdout).toContain('keys: 1');
  });

  it('exits 1 when a key is absent, 2 on bad usage, without a stack trace', () => {
    expect(at('get', 'nope')).toMatchObject({ code: 1, stdout: 'not-found\n' });
    for (const args of [
      ['put', 'only-key'],
      ['frobnicate'],
      ['get', 'k', '--sync', 'maybe'],
      ['scan', '--limit', '-3'],
      ['get', 'k', '--bogus'],
    ]) {
      const r = at(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(kvlab(['help']).stdout).toContain('exit codes');
  });

  it('inspects every record with offset, LSN, op, key, value and CRC', () => {
    at('put', 'k', 'v');
    at('del', 'k');
    const out = at('inspect').stdout;
    expect(out).toContain(`${FILES.wal} (log, 86 bytes, base LSN 0)`);
    expect(out).toContain('@22 lsn=1 put k v crc=ok');
    expect(out).toContain('@57 lsn=2 del k crc=ok');
    expect(at('inspect', '--hex').stdout).toMatch(/@56 +76 +value \[0\] "v"/);
    flipByte(FILES.wal, 56); // the value byte: the record still parses, its CRC no longer holds
    expect(at('inspect').stdout).toContain('@22 lsn=1 put k 6 crc=BAD'); // "v" ^ 0x40 is "6"
    expect(JSON.parse(at('inspect', '--json').stdout)).toContainEqual(
      expect.objectContaining({ file: FILES.wal, kind: 'log' }),
    );
  });

  it('verify names the file and offset of a flipped byte, and the store refuses to open (exit 3)', () => {
    at('put', 'a', '1');
    at('put', 'b', '2');
    at('compact');
    at('put', 'c', '3');
    at('put', 'd', '4');
    expect(at('verify')).toMatchObject({ code: 0, stdout: 'ok: every file is intact\n' });
    flipByte(FILES.wal, 55); // the key byte of the first record after the 22-byte header
    const r = at('verify');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`${FILES.wal} @22: bad-checksum in ${FILES.wal} at offset 22`);
    expect(r.stdout).toContain('refuses in tolerate-tail: CORRUPTED');
    expect(at('get', 'd')).toMatchObject({ code: 3 });
    expect(at('get', 'd').stderr).toContain(`[${FILES.wal} @ 22]`);
    flipByte(FILES.snapshot, 30);
    expect(at('verify').stdout).toContain(`${FILES.snapshot} @27: bad-checksum`);
    expect(at('get', 'a', '--recovery', 'salvage')).toMatchObject({ code: 1 });
  });

  it('runs a shell: words or JSON strings in, one line out per command', () => {
    const input = [
      'put "a b" "x\\ny"',
      'get "a b"',
      'get missing',
      '',
      '# a comment',
      'del "a b"',
      'put k',
      'scan',
      'stats',
      'bogus',
      'put e ""',
      'scan',
      'put "-x" "--y"',
      'put k v --dir other',
      'scan --from -x --limit 1',
    ].join('\n');
    const lines = kvlab(['shell', '--dir', dir], input).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('ok 1');
    expect(lines[1]).toBe('"x\\ny"');
    expect(lines[2]).toBe('not-found');
    expect(lines[3]).toBe('ok 2');
    expect(lines[4]).toMatch(/^error INVALID_ARGUMENT: put takes 2 arguments/);
    expect(lines[5]).toBe('[]');
    expect(JSON.parse(lines[6] as string)).toMatchObject({ lastLsn: 2 });
    expect(lines[7]).toMatch(/^error INVALID_ARGUMENT: .*bogus/);
    expect(lines[8]).toBe('ok 3');
    expect(lines[9]).toBe('[{"key":"e","value":""}]');
    expect(lines[10]).toBe('ok 4');
    expect(lines[11]).toMatch(/^error INVALID_ARGUMENT: --dir is not allowed on a shell line/);
    expect(lines[12]).toBe('[{"key":"-x","value":"--y"}]');
    expect(lines).toHaveLength(13);
  });

  it('refuses a second shell on an open directory with exit 4, and opens again after close or kill', async () => {
    const first = startShell(['--dir', dir]);
    first.child.stdin.write('put a 1\n');
    expect(await first.nextLine()).toBe('ok 1');
    const second = kvlab(['shell', '--dir', dir], 'get a\n');
    expect(second.code).toBe(4);
    expect(second.stderr).toMatch(/^kvlab: LOCKED: .* is in use by another process \[LOCK\]$/m);
    first.child.stdin.end();
    expect(await first.exited).toBe(0);
    expect(kvlab(['shell', '--dir', dir], 'get a\n').stdout).toBe('1\n');

    const third = startShell(['--dir', dir]);
    third.child.stdin.write('put b 2\n');
    expect(await third.nextLine()).toBe('ok 2');
    third.child.kill('SIGKILL');
    await third.exited;
    expect(kvlab(['shell', '--dir', dir], 'get b\n').stdout).toBe('2\n');
  });
});
