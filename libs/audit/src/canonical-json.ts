import { AuditInputError } from './audit-input-error';

// PostgreSQL text and jsonb reject NUL, and lone surrogates would be stored as U+FFFD:
// either way the value read back would no longer hash to what was appended.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws unless PostgreSQL stores the string exactly. */
export function assertStorableString(value: string, path: string): void {
  if (value.includes('\u0000') || LONE_SURROGATE.test(value)) {
    throw new AuditInputError(`${path}: contains a NUL character or a lone surrogate`);
  }
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, numbers and strings as
 * `JSON.stringify` writes them (shortest round-trip form). Parsing the result, storing it in
 * jsonb and reading it back canonicalises to the same text, which is what makes hashes stable.
 * Follows `JSON.stringify` for `toJSON` and for `undefined` (dropped from objects, null in
 * arrays); rejects what it would silently mangle: non-finite numbers, bigints, functions,
 * symbols, non-plain objects and cycles.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set());
}

function write(value: unknown, path: string, open: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new AuditInputError(`${path}: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'string':
      assertStorableString(value, path);
      return JSON.stringify(value);
    case 'object':
      return writeObject(value, path, open);
    default:
      throw new AuditInputError(`${path}: a ${typeof value} is not JSON`);
  }
}

function writeObject(value: object, path: string, open: Set<object>): string {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value), path, open);
  if (open.has(value)) throw new AuditInputError(`${path}: circular reference`);
  open.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.map((item: unknown, i) => (item === undefined ? 'null' : write(item, `${path}[${i}]`, open)));
      return `[${items.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new AuditInputError(`${path}: only plain objects are JSON`);
    }
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      if (record[key] === undefined) continue;
      assertStorableString(key, `${path} key`);
      members.push(`${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, open)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    open.delete(value);
  }
}
