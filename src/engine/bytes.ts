// Byte helpers shared by the file formats (logging.ts, snapshot.ts): UTF-8, little-endian integers,
// the 7-bit integer groups of format v2, and the one key order used everywhere (tree, files,
// model): UTF-8 byte order. KVStore v3 compared `int` keys; our keys are strings, and a JS string
// `<` compares UTF-16 code units, which disagrees with UTF-8 byte order for characters above
// U+FFFF. compareKeys fixes that. Also the readers' bulk helpers: one-byte decoding of a whole
// region of ASCII text (the shell installs a native decoder for it) and a count of high bytes.

import { KvError, assert } from './errors.js';

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: text that starts with one is text like any other, and the
// default would drop it from a key or value read back (and from one half of a pair, not the other).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a well-formed string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The UTF-8 byte length of a string, without allocating. */
export function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4; // a surrogate pair is one astral code point: four bytes
      i++;
    } else n += 3;
  }
  return n;
}

/** Units from which putUtf8 hands a string to encodeInto whole (measured: see putUtf8). */
const ENCODE_INTO_UNITS = 24;

/**
 * Write `text` as UTF-8 at `offsetBytes`; returns the bytes written (utf8Bytes(text)); `out` must
 * have room. A short string is copied unit by unit while it is ASCII, which costs less than
 * encodeInto's call and the subarray it needs; from ENCODE_INTO_UNITS units on, encodeInto's native
 * copy wins (a 100-unit value 3.5 times faster, a 32-unit key 1.3 times: most of a compaction's
 * time was this loop).
 */
export function putUtf8(out: Uint8Array, offsetBytes: number, text: string): number {
  const n = text.length;
  if (n >= ENCODE_INTO_UNITS) return encodeWhole(text, out.subarray(offsetBytes));
  // Asserted before the loop: a typed array drops writes past its end without a word.
  assert(offsetBytes + n <= out.length, 'room for the text');
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return i + encodeWhole(text.slice(i), out.subarray(offsetBytes + i));
    out[offsetBytes + i] = c;
  }
  return n;
}

/** encodeInto, asserting it took all of `text` (it stops silently where `out` ends). */
function encodeWhole(text: string, out: Uint8Array): number {
  const { read, written } = encoder.encodeInto(text, out);
  assert(read === text.length, 'room for the text');
  return written;
}

/**
 * Decode UTF-8; returns undefined when the bytes are not valid UTF-8 (a reader reports, never
 * throws).
 */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes `bytes[from, to)`, in which every byte is below 0x80 or is 0xFF, as one UTF-16 unit per byte
 * (ISO-8859-1): for ASCII text that is its UTF-8 decoding. A snapshot load decodes a whole region of
 * entries this way, headers included, and slices keys and values out of it (snapshot.ts).
 */
export type OneByteText = (bytes: Uint8Array, from: number, to: number) => string;

/** windows-1252 maps each byte to one unit, and maps 0x00..0x7F and 0xFF as ISO-8859-1 does. */
const singleByte = ((): { decode(input: Uint8Array): string } | undefined => {
  try {
    return new TextDecoder('windows-1252');
  } catch {
    return undefined; // a runtime without the encoding: the units are made one by one below
  }
})();

function portableOneByteText(bytes: Uint8Array, from: number, to: number): string {
  if (singleByte !== undefined) return singleByte.decode(bytes.subarray(from, to));
  let text = '';
  // 8 KiB per call keeps the argument list well within every engine's limit.
  for (let i = from; i < to; i += 8192)
    text += String.fromCharCode(...bytes.subarray(i, Math.min(to, i + 8192)));
  return text;
}

let oneByteTextImpl: OneByteText = portableOneByteText;

/** Decode bytes[from, to) as one unit per byte; every byte must be below 0x80 or be 0xFF. */
export function oneByteText(bytes: Uint8Array, from: number, to: number): string {
  return oneByteTextImpl(bytes, from, to);
}

/**
 * Install a faster decoder for oneByteText (the shell installs the runtime's native latin1 decoding,
 * about five times the speed of TextDecoder here); undefined restores the portable one. It must
 * return exactly what the portable decoder returns: a test checks the shell's against it.
 */
export function installOneByteText(decode: OneByteText | undefined): void {
  oneByteTextImpl = decode ?? portableOneByteText;
}

/** How many of a word's four bytes are 0x80 or above. */
function highInWord(word: number): number {
  // The high bits moved to bits 0, 8, 16, 24 and summed into the top byte by one multiply.
  return Math.imul((word & 0x80808080) >>> 7, 0x01010101) >>> 24;
}

/**
 * How many bytes of bytes[from, to) are 0x80 or above. Read four at a time through a 32-bit view:
 * a snapshot load counts them over the whole file (a third of the time of a byte loop).
 */
export function countHighBytes(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  let i = from;
  // Single bytes up to a 4-byte boundary of the underlying memory, words, then the last bytes.
  for (; i < to && ((bytes.byteOffset + i) & 3) !== 0; i++) if ((bytes[i] ?? 0) >= 0x80) n++;
  if (i >= to) return n;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (to - i) >>> 2);
  const w4 = words.length & ~3;
  let w = 0;
  // Four words per turn, tested together: the high bytes of a snapshot are its markers, one in about
  // 37 words, so most turns add nothing.
  for (; w < w4; w += 4) {
    const any =
      ((words[w] ?? 0) | (words[w + 1] ?? 0) | (words[w + 2] ?? 0) | (words[w + 3] ?? 0)) &
      0x80808080;
    if (any !== 0) for (let k = w; k < w + 4; k++) n += highInWord(words[k] ?? 0);
  }
  for (; w < words.length; w++) n += highInWord(words[w] ?? 0);
  for (i += words.length * 4; i < to; i++) if ((bytes[i] ?? 0) >= 0x80) n++;
  return n;
}

/** Compare two keys by the UTF-8 byte order of their encodings (which is code point order). */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (U+D800..U+DFFF) encode code points above U+FFFF, which sort after U+E000..U+FFFF
    // in UTF-8; move them up, and U+E000..U+FFFF down, so that unit order becomes code point order.
    if (ca >= 0xd800) ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
    if (cb >= 0xd800) cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    return ca - cb;
  }
  return a.length - b.length;
}

/**
 * Write a non-negative safe integer (below 2^53, so a JS number holds it exactly) as u64
 * little-endian.
 */
export function putU64(view: DataView, offsetBytes: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new KvError('INTERNAL', `u64 out of range: ${value}`);
  view.setUint32(offsetBytes, value % 0x1_0000_0000, true);
  view.setUint32(offsetBytes + 4, Math.floor(value / 0x1_0000_0000), true);
}

/**
 * Read a u64 little-endian; undefined when it does not fit a safe integer (damage, not a number we
 * wrote).
 */
export function getU64(view: DataView, offsetBytes: number): number | undefined {
  const low = view.getUint32(offsetBytes, true);
  const high = view.getUint32(offsetBytes + 4, true);
  if (high >= 0x20_0000) return undefined;
  return high * 0x1_0000_0000 + low;
}

/**
 * Bytes of a u32 in 7-bit groups: 5 bytes, each below 0x80 (format v2). 5 x 7 = 35 bits hold 32.
 */
export const U32_GROUP_BYTES = 5;
/**
 * Bytes of an LSN in 7-bit groups: 8 bytes, each below 0x80. 8 x 7 = 56 bits hold every LSN below
 * 2^53.
 */
export const U53_GROUP_BYTES = 8;

/**
 * Write `value` as `width` little-endian 7-bit groups, so that no byte of it is 0x80 or above:
 * format v2 reserves 0xFF for the record marker, and a field written this way can never hold one.
 */
export function putGroups(
  bytes: Uint8Array,
  offsetBytes: number,
  value: number,
  width: number,
): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (7 * width))
    throw new KvError('INTERNAL', `${value} does not fit ${width} 7-bit groups`);
  let rest = value;
  for (let i = 0; i < width; i++) {
    bytes[offsetBytes + i] = rest % 0x80;
    rest = Math.floor(rest / 0x80);
  }
}

/**
 * putGroups(bytes, offsetBytes, value, U32_GROUP_BYTES) for the writers' hot loops: shifts and masks
 * on a u32 where putGroups divides a safe integer, a fifth of a compaction's time.
 */
export function putU32Groups(bytes: Uint8Array, offsetBytes: number, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw new KvError('INTERNAL', `${value} does not fit 5 7-bit groups as a u32`);
  bytes[offsetBytes] = value & 0x7f;
  bytes[offsetBytes + 1] = (value >>> 7) & 0x7f;
  bytes[offsetBytes + 2] = (value >>> 14) & 0x7f;
  bytes[offsetBytes + 3] = (value >>> 21) & 0x7f;
  bytes[offsetBytes + 4] = value >>> 28;
}

/**
 * Read `width` little-endian 7-bit groups; undefined when a byte is 0x80 or above (no writer of
 * ours made it), when the bytes run out, or when the number exceeds `max` (a u32 field: 2^32 - 1).
 */
export function getGroups(
  bytes: Uint8Array,
  offsetBytes: number,
  width: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (offsetBytes + width > bytes.length) return undefined;
  let value = 0;
  for (let i = width - 1; i >= 0; i--) {
    const b = bytes[offsetBytes + i];
    if (b === undefined || b >= 0x80) return undefined;
    value = value * 0x80 + b;
  }
  return value <= max ? value : undefined;
}

/**
 * getGroups(bytes, offsetBytes, U32_GROUP_BYTES, 2^32 - 1) for the readers' hot loops, as -1 instead
 * of undefined: five reads and no loop, so that V8 inlines it where a record or an entry is parsed.
 */
export function getU32Groups(bytes: Uint8Array, offsetBytes: number): number {
  // A read past the end gives undefined, made 0x80 here: refused like a byte no writer of ours made.
  const b0 = bytes[offsetBytes] ?? 0x80;
  const b1 = bytes[offsetBytes + 1] ?? 0x80;
  const b2 = bytes[offsetBytes + 2] ?? 0x80;
  const b3 = bytes[offsetBytes + 3] ?? 0x80;
  const b4 = bytes[offsetBytes + 4] ?? 0x80;
  if ((b0 | b1 | b2 | b3 | b4) >= 0x80) return -1;
  const value = b0 + b1 * 0x80 + b2 * 0x4000 + b3 * 0x20_0000 + b4 * 0x1000_0000;
  return value <= 0xffff_ffff ? value : -1;
}

/**
 * Decode the UTF-8 of `bytes[from, mid)` and `bytes[mid, to)` as two strings, into `out` (index 0
 * and 1); false when either is not valid UTF-8 on its own. ASCII text (most keys and values) takes
 * one decoder call for both and two slices of its result, where a decoder call per string was a
 * fifth of a snapshot load.
 */
export function fromUtf8Pair(
  bytes: Uint8Array,
  from: number,
  mid: number,
  to: number,
  out: string[],
): boolean {
  const both = fromUtf8(bytes.subarray(from, to));
  // Two valid runs make a valid whole: when the whole is not valid, one of them is not.
  if (both === undefined) return false;
  // As many UTF-16 units as bytes only when every byte is ASCII: then byte offsets are unit offsets.
  if (both.length === to - from) {
    out[0] = both.slice(0, mid - from);
    out[1] = both.slice(mid - from);
    return true;
  }
  // A first run valid on its own ends at a character boundary, so the rest of the whole is the
  // second run decoded on its own.
  const first = fromUtf8(bytes.subarray(from, mid));
  if (first === undefined) return false;
  out[0] = first;
  out[1] = both.slice(first.length);
  return true;
}

/**
 * The same bytes as a plain Uint8Array. A reader given a subclass of Uint8Array (as Node.js reads
 * files) pays for the subclass's own subarray() on every view it makes, and its element reads see two
 * kinds of array where V8 optimizes for one: the readers' loops take their input through this first.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A DataView over exactly `bytes`. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
