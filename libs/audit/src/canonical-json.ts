import { AuditInputError } from './audit-input-error';

declare global {
  interface String {
    /** ES2024, in Node since 20: false when the string holds a lone surrogate. */
    isWellFormed(): boolean;
  }
}

// PostgreSQL text and jsonb reject NUL, and lone surrogates would be stored as U+FFFD:
// either way the value read back would no longer hash to what was appended.
function isStorable(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
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
  if (typeof value === 'string' && isStorable(value)) return JSON.stringify(value);
  return new CanonicalWriter().write(value);
}

/** Every audit event goes through here, intake's too: the path to a value is only spelt out for an error. */
class CanonicalWriter {
  /** Keys and indexes from the root to the value being written. */
  private readonly path: Array<string | number> = [];
  /** The objects being written, outermost first: a cycle leads back to one of them. */
  private readonly open: object[] = [];

  write(value: unknown): string {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'boolean':
        return value ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(value)) this.fail(`${value} is not a JSON number`);
        return JSON.stringify(value);
      case 'string':
        if (!isStorable(value)) this.fail('contains a NUL character or a lone surrogate');
        return JSON.stringify(value);
      case 'object':
        return this.writeObject(value);
      default:
        return this.fail(`a ${typeof value} is not JSON`);
    }
  }

  private writeObject(value: object): string {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.write(toJSON.call(value));
    if (this.open.includes(value)) this.fail('circular reference');
    this.open.push(value);
    const text = Array.isArray(value) ? this.writeArray(value) : this.writeMembers(value);
    this.open.pop();
    return text;
  }

  private writeArray(items: unknown[]): string {
    let text = '[';
    for (let i = 0; i < items.length; i++) {
      this.path.push(i);
      text += (i === 0 ? '' : ',') + (items[i] === undefined ? 'null' : this.write(items[i]));
      this.path.pop();
    }
    return `${text}]`;
  }

  private writeMembers(value: object): string {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) this.fail('only plain objects are JSON');
    const record = value as Record<string, unknown>;
    let text = '{';
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      if (!isStorable(key)) this.fail('contains a NUL character or a lone surrogate', ' key');
      this.path.push(key);
      text += (text.length === 1 ? '' : ',') + `${JSON.stringify(key)}:${this.write(member)}`;
      this.path.pop();
    }
    return `${text}}`;
  }

  private fail(message: string, suffix = ''): never {
    const path = this.path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');
    throw new AuditInputError(`$${path}${suffix}: ${message}`);
  }
}
