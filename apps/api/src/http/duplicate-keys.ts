import { MAX_FIELD_PROBLEMS } from './problem';

/**
 * Duplicate member names in a JSON text that JSON.parse has accepted (JSON.parse keeps the last
 * value of each, silently). A body is checked on every request, intake's thousands a second too,
 * so the common case costs two light passes: the member names the text spells out (found by
 * jumping from quote to quote with indexOf) against the own keys the parsed value has. Only when
 * the text has more are the duplicates looked for, by a slower walk of the text that names them.
 * The answer is a field path like validation's (`labels.status`, `1.annotations.summary`), for
 * at most as many as a 400 names: past them the walk stops, so that a body of thousands of repeats
 * nested thousands deep costs no more than its first ones.
 */
export function duplicateKeyPaths(text: string, parsed: unknown): string[] {
  if (parsed === null || typeof parsed !== 'object') return [];
  if (membersInText(text) === keysInValue(parsed)) return [];
  return pathsOfDuplicates(text);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** Where the string that opens at `start` closes: the next quote not escaped by an odd run of backslashes. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/** The first character at or after `from` that is not JSON whitespace (space, tab, line feed, carriage return). */
function skipWhitespace(text: string, from: number): number {
  let at = from;
  for (let code = text.charCodeAt(at); code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d; code = text.charCodeAt(at)) at++;
  return at;
}

/** How many member names the text has: strings followed by a colon. */
function membersInText(text: string): number {
  let count = 0;
  for (let start = text.indexOf('"'); start !== -1; ) {
    const end = stringEnd(text, start);
    if (text.charCodeAt(skipWhitespace(text, end + 1)) === COLON) count++;
    start = text.indexOf('"', end + 1);
  }
  return count;
}

/**
 * How many keys the parsed objects have, all levels together; without recursion, however deep it
 * nests. `for…in`, as it allocates nothing: JSON.parse makes plain objects, whose prototype has no
 * enumerable keys.
 */
function keysInValue(value: object): number {
  let count = 0;
  const pending: object[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (Array.isArray(next)) {
      for (const child of next as unknown[]) if (child !== null && typeof child === 'object') pending.push(child);
      continue;
    }
    for (const key in next) {
      count++;
      const child = (next as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') pending.push(child);
    }
  }
  return count;
}

/** An object or array being read, and the member or element of it being read now. */
interface Container {
  keys?: Set<string>;
  index: number;
  current: string;
}

/**
 * Each repeated member's path, once, in the order the text repeats them (valid JSON assumed). The
 * walk stops at the MAX_FIELD_PROBLEMS-th repeat, whether its path is new or not: each repeat builds
 * a path as long as the nesting, so a key repeated thousands of times thousands deep would otherwise
 * cost their product (seconds of the event loop for a 64 KB body).
 */
function pathsOfDuplicates(text: string): string[] {
  const found = new Set<string>();
  const open: Container[] = [];
  let repeats = 0;
  for (let at = 0; at < text.length && repeats < MAX_FIELD_PROBLEMS; at++) {
    const code = text.charCodeAt(at);
    const top = open[open.length - 1];
    if (code === QUOTE) {
      const end = stringEnd(text, at);
      if (top?.keys && text.charCodeAt(skipWhitespace(text, end + 1)) === COLON) {
        const key = JSON.parse(text.slice(at, end + 1)) as string;
        if (top.keys.has(key)) {
          repeats++;
          found.add([...open.slice(0, -1).map((container) => container.current), key].join('.'));
        }
        top.keys.add(key);
        top.current = key;
      }
      at = end;
    } else if (code === 0x7b /* { */) {
      open.push({ keys: new Set(), index: 0, current: '' });
    } else if (code === 0x5b /* [ */) {
      open.push({ index: 0, current: '0' });
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      open.pop();
    } else if (code === 0x2c /* , */ && top && !top.keys) {
      top.index++;
      top.current = String(top.index);
    }
  }
  return [...found];
}
