// The Error layer (KVStore v3: KVSTORE_ERR_* and kvstore_strerror): one error class with a stable code,
// plus the assertion helpers that turn a broken invariant into INTERNAL instead of silent damage.

/** Every error code kvlab reports. The first five are KVStore v3's; the rest are ours. */
export const ERROR_CODES = [
  'IO',
  'READONLY',
  'NOT_FOUND',
  'CORRUPTED',
  'INTERNAL',
  'LOCKED',
  'FAILED',
  'INVALID_ARGUMENT',
  'CLOSED',
] as const;

/** A stable, machine-readable error code. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const MESSAGES: Readonly<Record<ErrorCode, string>> = {
  IO: 'I/O error',
  READONLY: 'store is read-only in its current state',
  NOT_FOUND: 'key not found',
  CORRUPTED: 'data corrupted',
  INTERNAL: 'internal error (an invariant was broken)',
  LOCKED: 'directory is locked by another process',
  FAILED: 'store has failed after an I/O error; close and reopen it',
  INVALID_ARGUMENT: 'invalid argument',
  CLOSED: 'store is closed',
};

/** The human-readable text for a code, as KVStore v3's kvstore_strerror. Pure and total. */
export function strerror(code: ErrorCode): string {
  return MESSAGES[code];
}

/** Where an error happened, when it concerns a file. */
export interface ErrorLocation {
  /** The file's name inside the store directory. */
  readonly file?: string;
  /** The byte offset inside that file. */
  readonly offsetBytes?: number;
}

/** The one error class kvlab throws. `code` is stable; `message` names the file and offset when known. */
export class KvError extends Error {
  /** The stable code. */
  readonly code: ErrorCode;
  /** The file concerned, if any. */
  readonly file: string | undefined;
  /** The byte offset concerned, if any. */
  readonly offsetBytes: number | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    where: ErrorLocation = {},
    options?: { cause?: unknown },
  ) {
    const at =
      where.file === undefined
        ? ''
        : where.offsetBytes === undefined
          ? ` [${where.file}]`
          : ` [${where.file} @ ${where.offsetBytes}]`;
    super(`${code}: ${detail}${at}`, options);
    this.name = 'KvError';
    this.code = code;
    this.file = where.file;
    this.offsetBytes = where.offsetBytes;
  }
}

/** True when `e` is a KvError, optionally with the given code. */
export function isKvError(e: unknown, code?: ErrorCode): e is KvError {
  return e instanceof KvError && (code === undefined || e.code === code);
}

/** Assert an invariant. A failure is a bug in kvlab, reported as INTERNAL. */
export function assert(condition: boolean, what: string): asserts condition {
  if (!condition) throw new KvError('INTERNAL', `assertion failed: ${what}`);
}

/**
 * The element at `index`, asserted present: the checked form of `items[index] as T`. A wrong index is
 * a bug in kvlab, so it fails loudly as INTERNAL with `what` and the index, instead of flowing on as
 * undefined (TigerBeetle: assert what you rely on).
 */
export function at<T>(items: ArrayLike<T>, index: number, what = 'element'): T {
  const item = items[index];
  if (item === undefined) {
    throw new KvError('INTERNAL', `${what} at index ${index} of ${items.length} is missing`);
  }
  return item;
}

/**
 * The value under `key`, asserted present: the checked form of `map.get(key) as V`.
 */
export function got<K, V>(map: ReadonlyMap<K, V>, key: K, what = 'entry'): V {
  const value = map.get(key);
  if (value === undefined) throw new KvError('INTERNAL', `${what} ${String(key)} is missing`);
  return value;
}

/** The message of anything thrown: an Error's message, else its string form. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
