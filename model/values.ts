// The keys and values the checker writes. Small alphabets make collisions (overwrites, deletes of
// present keys) frequent; long values cross the snapshot's 64 KiB chunks; arbitrary code points
// test UTF-8 and key order; and values built from kvlab's own records and headers at nearby LSNs
// test that no reader path can take a user's bytes for a record (issue 8: a value holding a record,
// torn, made v1's byte-by-byte resync open it). Lone surrogates are left out: the store refuses
// them (INVALID_ARGUMENT), and that is tested in the engine's own tests.

import fc from 'fast-check';
import { encodeRecord, encodeWalHeader, type WriteOp } from '../src/engine/logging.js';
import { SNAPSHOT_CHUNK_BYTES } from '../src/engine/snapshot.js';

/** Keys for collisions: an astral key and a BMP key above U+E000 exercise UTF-8 order. */
const SMALL_KEYS: readonly string[] = ['a', 'b', 'c', '', '\ue000', '😀'];
/** Values for collisions: a separator and a newline that KVStore v3's text lines could not hold. */
const SMALL_VALUES: readonly string[] = ['', 'x', 'yy', 'z|\n', '😀'];

/** Keys that sort between and around the small ones, enough for a tree of order 3 to reach 4 levels. */
export const WIDE_KEYS: readonly string[] = Array.from(
  { length: 26 },
  (_, i) => `k${String.fromCharCode(97 + i)}`,
);

/**
 * The key the records hidden in values write: never written by the checker, so salvage cannot
 * invent it unseen.
 */
export const HIDDEN_KEY = 'hidden';

/** The bytes of a record of kvlab's own format at `lsn`, as its writer would make them. */
function recordBytes(
  lsn: number,
  ops: readonly WriteOp[] = [{ op: 'put', key: HIDDEN_KEY, value: 'evil' }],
) {
  return encodeRecord(lsn, ops, lsn - 1);
}

/** Bytes as latin1 code units: one char per byte (0xFF becomes U+00FF, two bytes in UTF-8). */
export function asLatin1(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return text;
}

/**
 * Bytes as UTF-8 where they are valid: a v2 record without its marker byte is all valid UTF-8 (our
 * integers are below 0x80 and keys and values are UTF-8), so this string stores exactly those
 * bytes.
 */
export function asUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/**
 * Every way a value can carry the record `record`: its bytes after the marker stored verbatim (the
 * UTF-8 embedding), its bytes as latin1 code units, and the log header before it.
 */
function embeddings(record: Uint8Array, text = ''): string[] {
  return [
    `${text}${asUtf8(record.subarray(1))}`,
    `${asUtf8(record.subarray(1))}${text}`,
    `${text}${asLatin1(record)}`,
    `${asUtf8(encodeWalHeader(0))}${asUtf8(record.subarray(1))}${text}`,
  ];
}

/**
 * Values holding encoded records at nearby LSNs (and one far above), for the every-step checker.
 */
const RECORD_VALUES: readonly string[] = [
  ...embeddings(recordBytes(3), '..').slice(0, 1),
  ...embeddings(recordBytes(1_000_000), 'x').slice(0, 1),
];

/** Keys for the every-step checker: few, so that its exhaustive sweep stays short. */
export const EVERY_STEP_KEYS: readonly string[] = [
  ...['a', 'b', 'c', '😀'],
  ...['ka', 'kb', 'kc', 'kd', 'ke', 'kf', 'kg', 'kh'],
];
/** Values for the every-step checker: short ones, and one that holds a record with a higher LSN. */
export const EVERY_STEP_VALUES: readonly string[] = ['', 'x', 'yy', ...RECORD_VALUES];

/** Arbitrary well-formed strings: any code point, astral included, never a lone surrogate. */
const anyText: fc.Arbitrary<string> = fc.string({ unit: 'binary', maxLength: 12 });

/**
 * A value built from a record of kvlab's own format at a nearby LSN, embedded one of several ways.
 */
const recordValueArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(1_000_000)),
    fc.constantFrom('', '..', 'x'),
    fc.nat(3),
  )
  .map(([lsn, text, way]) => embeddings(recordBytes(lsn), text)[way] ?? text);

/**
 * A long value: tens of KB, or over two 64 KiB chunks (a few sizes: each costs the checker's disk
 * copies).
 */
const longValueArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(12 * 1024, 40 * 1024, 2 * SNAPSHOT_CHUNK_BYTES + 4096),
    fc.constantFrom('L', 'é', '😀'),
  )
  .map(([bytes, unit]) => unit.repeat(Math.ceil(bytes / new TextEncoder().encode(unit).length)));

/** Keys: mostly the small alphabet, sometimes any text or a record's bytes. */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...SMALL_KEYS) },
  { weight: 5, arbitrary: fc.constantFrom(...WIDE_KEYS) },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: recordValueArb },
);

/** Values: mostly the small alphabet; records of our own format, any text, and long values. */
export const valueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 240, arbitrary: fc.constantFrom(...SMALL_VALUES) },
  { weight: 80, arbitrary: recordValueArb },
  { weight: 60, arbitrary: anyText },
  // Rare, because every crash image afterwards carries their bytes: at 1 in 39 draws they halved the
  // crash images a second; at 1 in 381 they cost about a twentieth, and a one-minute campaign still
  // writes hundreds of them (a single draw sits in every later image of its run).
  { weight: 1, arbitrary: longValueArb },
);
