// The CLI in-process (cli/run.ts and what it calls), on memfs where it can: every command's output,
// --json, exit codes, the shell from a stream, inspect and verify on damaged files, and the checker's
// commands. The spawned-process tests (cli.test.ts) check the same from outside.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FILES } from '../../src/engine/plan.js';
import { reportError } from '../../cli/app.js';
import { parseDuration } from '../../cli/checker.js';
import { runCli } from '../../cli/run.js';
import { showText, splitWords } from '../../cli/words.js';
import { memoryFileSystem, type FileSystem } from '../../src/io/fs.js';
import { openStore } from '../../src/io/store.js';

const tmp = mkdtempSync(join(tmpdir(), 'kvlab-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(
  fs: FileSystem,
  argv: string[],
  input = '',
): Promise<{ code: number; out: string[]; err: string[]; progress: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const code = await runCli(
    argv,
    { out: (l) => out.push(l), err: (l) => err.push(l), progress: (l) => progress.push(l) },
    Readable.from([input]),
    fs,
  );
  return { code, out, err, progress };
}

function flip(fs: FileSystem, path: string, offset: number): void {
  const bytes = (fs.readFile(path) as Uint8Array).slice();
  bytes[offset] = (bytes[offset] as number) ^ 0x20;
  const fd = fs.open(path, 'w');
  fs.write(fd, bytes, 0);
  fs.close(fd);
}

describe('kvlab in-process', () => {
  it('runs every data command, in words and in JSON', async () => {
    const fs = memoryFileSystem();
    const d = ['--dir', '/db'];
    expect(await cli(fs, ['put', 'k', 'v', ...d])).toMatchObject({ code: 0, out: ['ok 1'] });
    expect(await cli(fs, ['put', 'k2', 'two words', ...d, '--json'])).toMatchObject({
      out: ['{"ok":true,"lsn":2}'],
    });
    expect(await cli(fs, ['get', 'k2', ...d])).toMatchObject({ out: ['"two words"'] });
    expect(await cli(fs, ['get', 'nope', ...d, '--json'])).toMatchObject({
      code: 1,
      out: ['{"key":"nope","found":false}'],
    });
    expect(await cli(fs, ['scan', '--to', 'k2', ...d])).toMatchObject({ out: ['k\tv'] });
    expect(await cli(fs, ['del', 'k', ...d, '--sync', 'none'])).toMatchObject({ out: ['ok 3'] });
    expect(await cli(fs, ['sync', ...d])).toMatchObject({ out: ['ok 3'] });
    expect(await cli(fs, ['snapshot', ...d])).toMatchObject({ out: ['ok 3'] });
    expect(await cli(fs, ['compact', ...d, '--recovery', 'absolute'])).toMatchObject({
      out: ['ok 3'],
    });
    const stats = await cli(fs, ['stats', ...d]);
    expect(stats.out).toContain('keys: 1');
    expect((await cli(fs, ['help'])).out[0]).toContain('usage: kvlab');
    expect((await cli(fs, [])).code).toBe(2);
  });

  it('maps errors to exit codes: usage, locked, corrupted, and an unexpected error is a bug in one line', async () => {
    const fs = memoryFileSystem();
    expect((await cli(fs, ['get', '--dir', '/db'])).code).toBe(2);
    expect((await cli(fs, ['put', 'a', '1', '--dir', '/db', '--recovery', 'nope'])).code).toBe(2);
    expect((await cli(fs, ['get', 'a', '--dir', '/db', '--json', '--limit', 'x'])).out[0]).toMatch(
      /"code":"INVALID_ARGUMENT"/,
    );
    const held = openStore('/db', { fs });
    expect((await cli(fs, ['get', 'a', '--dir', '/db'])).code).toBe(4);
    held.put('a', '1');
    held.put('b', '2');
    held.close();
    flip(fs, `/db/${FILES.wal}`, 40);
    expect(await cli(fs, ['get', 'b', '--dir', '/db'])).toMatchObject({
      code: 3,
      err: [expect.stringContaining(`[${FILES.wal} @ 22]`)],
    });
    const lines: string[] = [];
    expect(
      reportError(
        new TypeError('boom'),
        { out: (l) => lines.push(l), err: (l) => lines.push(l) },
        false,
      ),
    ).toBe(5);
    expect(lines).toEqual(['kvlab: unexpected error (a bug, please report it): boom']);
  });

  it('inspects and verifies every kind of file, and names a missing directory', async () => {
    const fs = memoryFileSystem();
    const s = openStore('/db', { fs, compactWrites: 2 });
    s.put('a', '1');
    s.batch([
      { op: 'put', key: 'b', value: '2' },
      { op: 'del', key: 'a' },
    ]);
    s.put('c', '3');
    s.close();
    const tmpFd = fs.open(`/db/${FILES.walTmp}`, 'w');
    fs.close(tmpFd);
    const other = fs.open('/db/notes.txt', 'w');
    fs.close(other);
    const inspect = (await cli(fs, ['inspect', '--dir', '/db'])).out.join('\n');
    expect(inspect).toContain(`${FILES.snapshot} (snapshot, `);
    expect(inspect).toContain('lsn=2 put b 2 crc=ok');
    expect(inspect).toContain(`${FILES.walTmp} (tmp, 0 bytes)`);
    expect(inspect).toContain('notes.txt (other, 0 bytes)');
    expect((await cli(fs, ['verify', '--dir', '/db'])).code).toBe(0);
    flip(fs, `/db/${FILES.snapshot}`, 44); // the value byte of the only entry: it parses, its CRC fails
    const verify = await cli(fs, ['verify', '--dir', '/db', '--json']);
    expect(verify.code).toBe(3);
    expect(JSON.parse(verify.out[0] as string)).toMatchObject({
      ok: false,
      problems: [{ file: FILES.snapshot }],
    });
    expect((await cli(fs, ['inspect', '--dir', '/db'])).out.join('\n')).toMatch(/crc=BAD/);
    expect((await cli(fs, ['inspect', '--dir', '/db', '--json'])).out).toHaveLength(1);
    const gap = openStore('/gap', { fs, compactWrites: 1 });
    gap.put('a', '1'); // compacts: the log now starts after LSN 1, the snapshot covers it
    gap.close();
    fs.unlink(`/gap/${FILES.snapshot}`);
    expect((await cli(fs, ['verify', '--dir', '/gap'])).out.join('\n')).toContain(
      `${FILES.wal} @0: CORRUPTED: the log starts after LSN 1 but the snapshot covers only LSN 0`,
    );
    fs.unlink(`/db/${FILES.wal}`);
    expect((await cli(fs, ['verify', '--dir', '/db'])).out.join('\n')).toMatch(
      /the snapshot is damaged[\s\S]*refuses in tolerate-tail: CORRUPTED: the snapshot is damaged/,
    );
    expect((await cli(fs, ['verify', '--dir', '/none'])).code).toBe(1);
  });

  it('runs a shell from a stream, and quits on quit', async () => {
    const fs = memoryFileSystem();
    const r = await cli(
      fs,
      ['shell', '--dir', '/db', '--json'],
      'put a 1\n\n# note\nget a\nput "unterminated\nquit\nput b 2\n',
    );
    expect(r.out).toEqual([
      '{"ok":true,"lsn":1}',
      '{"key":"a","found":true,"value":"1"}',
      expect.stringMatching(/"code":"INVALID_ARGUMENT"/),
    ]);
    const words = await cli(fs, ['shell', '--dir', '/db'], 'scan\nget a\nstats\n');
    expect(words.out[0]).toBe('[{"key":"a","value":"1"}]');
    expect(words.out[1]).toBe('1');
    expect(JSON.parse(words.out[2] as string)).toMatchObject({ keys: 1 });
    expect(openStore('/db', { fs }).get('b')).toBeUndefined();
  });

  it('splits shell words and shows text unambiguously', () => {
    expect(splitWords('put  "a b"\t"x\\ny" plain')).toEqual(['put', 'a b', 'x\ny', 'plain']);
    expect(() => splitWords('put "\\q"')).toThrow(/malformed/);
    expect(showText('plain')).toBe('plain');
    expect(showText('"quoted')).toBe('"\\"quoted"');
    expect(showText('')).toBe('""');
  });

  it('runs the demo tour end to end', async () => {
    const r = await cli(memoryFileSystem(), ['demo']);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toContain('(a torn tail: recovery cuts it)');
    expect(text).toContain('CORRUPTED: bad-checksum in the middle of the log');
  });
});

describe('the checker commands in-process', () => {
  const fs = memoryFileSystem();

  it('fuzzes kvlab and finds nothing; fuzzes a bug variant, writes a counterexample and replays it', async () => {
    const clean = await cli(fs, ['fuzz', '--runs', '100', '--seed', '3']);
    expect(clean.code).toBe(0);
    expect(clean.out.join('\n')).toMatch(/nothing found\. Rerun: kvlab fuzz --seed 3 --runs 100/);
    expect(clean.progress.length).toBeGreaterThan(0);
    const out = join(tmp, 'ce.json');
    const found = await cli(fs, [
      'fuzz',
      '--bug',
      'no-log-fsync',
      '--runs',
      '3000',
      '--seed',
      '3',
      '--out',
      out,
    ]);
    expect(found.code).toBe(6);
    expect(found.out.join('\n')).toContain(`written to ${out}`);
    const story = await cli(fs, ['replay', out]);
    expect(story.code).toBe(6);
    expect(story.out.join('\n')).toContain('>>> VIOLATION');
    expect((await cli(fs, ['replay', out, '--json'])).out[0]).toMatch(/"violation":/);
    const json = await cli(fs, [
      'fuzz',
      '--time',
      '300ms',
      '--seed',
      '5',
      '--crash',
      'power',
      '--faults',
      'crash,io',
      '--shard',
      '1/2',
      '--json',
    ]);
    expect(JSON.parse(json.out[0] as string)).toMatchObject({
      seed: 5,
      shard: { index: 1, count: 2 },
      counterexample: null,
    });
  });

  it('refuses bad checker arguments with usage errors', async () => {
    for (const argv of [
      ['fuzz', '--bug', 'nope'],
      ['fuzz', '--runs', '0'],
      ['fuzz', '--time', 'soon'],
      ['fuzz', '--shard', '3/2', '--runs', '1'],
      ['fuzz', '--crash', 'meteor', '--runs', '1'],
      ['fuzz', '--faults', 'flood', '--runs', '1'],
      ['fuzz', '--seed', 'x', '--runs', '1'],
      ['replay'],
    ]) {
      expect((await cli(fs, argv)).code, argv.join(' ')).toBe(2);
    }
    expect((await cli(fs, ['replay', join(tmp, 'missing.json')])).code).toBe(1);
    expect([
      parseDuration('60s'),
      parseDuration('2m'),
      parseDuration('1500ms'),
      parseDuration('1h'),
      parseDuration('3'),
    ]).toEqual([60_000, 120_000, 1500, 3_600_000, 3000]);
  });

  it('lists the zoo, writes its pages, and writes or checks the guarantee table', async () => {
    expect((await cli(fs, ['bugs'])).out).toHaveLength(12);
    expect(JSON.parse((await cli(fs, ['bugs', '--json'])).out[0] as string)[0]).toHaveProperty(
      'origin',
    );
    const docs = join(tmp, 'bugs');
    expect((await cli(fs, ['bugs', '--docs', '--out', docs])).out).toHaveLength(12);
    expect(readFileSync(join(docs, 'README.md'), 'utf8')).toContain('# The bug zoo');
    expect((await cli(fs, ['table', '--check'])).code).toBe(0);
    const stale = join(tmp, 'table.md');
    expect((await cli(fs, ['table', '--check', '--out', stale])).code).toBe(7);
    expect((await cli(fs, ['table', '--out', stale])).code).toBe(0);
    expect((await cli(fs, ['table', '--check', '--out', stale])).code).toBe(0);
  });
});

describe('the conventions of npm tools', () => {
  it('--help anywhere only prints help; -words and words after -- are data; help --json is JSON', async () => {
    const fs = memoryFileSystem();
    const help = await cli(fs, ['put', 'a', 'b', '--dir', '/db', '--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/^usage: kvlab put KEY VALUE/);
    expect(() => fs.readdir('/db')).toThrow();
    expect((await cli(fs, ['put', 'n', '-1', '--dir', '/db'])).out).toEqual(['ok 1']);
    expect((await cli(fs, ['put', '--dir', '/db', '--', '--x', '--y'])).out).toEqual(['ok 2']);
    expect((await cli(fs, ['scan', '--dir', '/db', '--from', '-'])).out).toEqual([
      '--x\t--y',
      'n\t-1',
    ]);
    const json = JSON.parse((await cli(fs, ['help', '--json'])).out.join(''));
    expect(json.commands.map((c: { name: string }) => c.name)).toContain('shell');
    expect(json.exitCodes['7']).toMatch(/out of date/);
    expect(await cli(fs, ['help', 'nope'])).toMatchObject({ code: 2 });
    expect(await cli(fs, ['put', 'a', 'b', '--limit', '3', '--dir', '/db'])).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/^kvlab: INVALID_ARGUMENT: put does not take --limit/)],
    });
    const stats = await cli(fs, ['stats', '--dir', '/db']);
    expect(stats.out.join('\n')).not.toContain('undefined');
    expect(stats.out).toContainEqual(expect.stringMatching(/^recovered: snapshot LSN 0/));
  });

  it('the rerun hint repeats every flag of the campaign', async () => {
    const { rerunCommand } = await import('../../cli/checker.js');
    const { parseCommandLine } = await import('../../cli/flags.js');
    const argv = [
      'fuzz',
      '--runs',
      '3',
      '--crash',
      'torn',
      '--faults',
      'crash,io',
      '--shard',
      '1/2',
    ];
    const { flags } = parseCommandLine([...argv, '--bug', 'no-tail-cut', '--out', 'x.json']);
    expect(rerunCommand(flags, 42)).toBe(
      'kvlab fuzz --seed 42 --runs 3 --crash torn --faults crash,io --shard 1/2 --bug no-tail-cut --out x.json',
    );
  });
});
