// The floors: engine < io < model < fuzz < cli < bench. A module may import from its own floor or a
// lower one, never from a higher one, so that each floor can be read, tested and shipped without the
// ones above it. test/ stands outside the building and may import from every floor.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The floors, lowest first. src/index.ts is the library's front door: it stands on the io floor. */
const FLOORS = ['src/engine', 'src/io', 'model', 'fuzz', 'cli', 'bench'] as const;

function floorOf(file: string): number {
  const rel = relative(ROOT, file).replaceAll('\\', '/');
  if (rel === 'src/index.ts') return FLOORS.indexOf('src/io');
  return FLOORS.findIndex((floor) => rel === floor || rel.startsWith(`${floor}/`));
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'peers') continue;
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every relative import of a file, static or dynamic, resolved to the .ts file it names. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(
      /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? '');
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

const FILES = [
  ...sources(join(ROOT, 'src')),
  ...FLOORS.slice(2).flatMap((f) => sources(join(ROOT, f))),
];

describe('the floors', () => {
  it('every source file stands on a floor', () => {
    for (const file of FILES) expect(floorOf(file), relative(ROOT, file)).toBeGreaterThanOrEqual(0);
  });

  it('no import runs up a floor', () => {
    const upward: string[] = [];
    for (const file of FILES) {
      for (const target of importsOf(file)) {
        if (floorOf(target) > floorOf(file)) {
          upward.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('catches an upward import (the check itself works)', () => {
    expect(floorOf(join(ROOT, 'src/engine/bptree.ts'))).toBeLessThan(
      floorOf(join(ROOT, 'model/disk.ts')),
    );
    expect(floorOf(join(ROOT, 'fuzz/campaign.ts'))).toBeLessThan(floorOf(join(ROOT, 'cli/run.ts')));
  });
});
