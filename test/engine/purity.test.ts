// The engine is pure: no file in src/engine/ imports a node: module, the shell, or anything outside
// src/engine/. This is what lets the checker run the same engine on a simulated disk.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../src/engine/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

describe('src/engine', () => {
  it("has KVStore v3's layers as modules", () => {
    for (const layer of [
      'recovery',
      'logging',
      'execution',
      'apply',
      'maintenance',
      'state',
      'errors',
    ]) {
      expect(files).toContain(`${layer}.ts`);
    }
  });

  it.each(files)('%s imports only from src/engine/', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    const imports = [
      ...text.matchAll(
        /(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      ),
    ].map((m) => m[1] ?? m[2] ?? '');
    for (const source of imports) {
      expect(source, `${file} imports ${source}`).toMatch(/^\.\/[\w-]+\.js$/);
    }
    expect(text).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b/);
  });

  it.each(files)('%s opens with a comment saying what it is', (file) => {
    expect(readFileSync(new URL(file, dir), 'utf8').startsWith('// ')).toBe(true);
  });
});
