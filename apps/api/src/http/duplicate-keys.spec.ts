import { duplicateKeyPaths } from './duplicate-keys';

const duplicatesIn = (text: string) => duplicateKeyPaths(text, JSON.parse(text));

describe('duplicateKeyPaths', () => {
  it.each([
    ['an alert', '{"labels":{"alertname":"A","service":"api","severity":"critical"},"annotations":{"summary":"x"},"status":"firing"}'],
    ['one key at different levels', '{"status":"firing","labels":{"status":"x","labels":{"status":"y"}}}'],
    ['the same keys in each alert of a batch', '[{"status":"firing"},{"status":"resolved"},{"status":"firing"}]'],
    ['values that look like keys', '{"a":"\\"a\\":1","b":"a","c":["a",":"],"d":"\\\\","e":"x\\\\\\":y"}'],
    ['colons in values', '{"startsAt":"2026-11-24T10:00:00Z","generatorURL":"http://h:9090/x"}'],
    ['keys that only look alike', '{"a":1,"A":2,"a ":3,"\\\\a":4,"":5}'],
    ['whitespace anywhere', ' {\n\t"a" :\r\n1 , "b"\n:\t[ { "a" : 2 } ] } '],
    ['a body that is not an object', '"a:b"'],
  ])('finds none in %s', (_, text) => {
    expect(duplicatesIn(text)).toEqual([]);
  });

  it.each([
    ['a top-level field', '{"labels":{},"status":"firing","status":"resolved"}', ['status']],
    ['a label', '{"labels":{"team":"a","service":"b","team":"c"}}', ['labels.team']],
    ['an alert of a batch', '[{"status":"firing"},{"labels":{"a":"1"},"status":"firing","status":"resolved"}]', ['1.status']],
    ['the same key spelled with escapes', '{"st\\u0061tus":"firing","status":"resolved"}', ['status']],
    ['keys with backslashes and quotes', '{"a\\\\":1,"b\\"":2,"a\\\\":3,"b\\"":4}', ['a\\', 'b"']],
    ['whitespace before the colon', '{"a" : 1,\n"a"\n:2}', ['a']],
    ['an empty key', '{"labels":{"":"x","":"y"}}', ['labels.']],
    ['a key given three times, named once', '{"a":1,"a":2,"a":3}', ['a']],
    ['each repeated key, in the order repeated', '{"b":1,"a":{"x":1,"x":2},"b":2}', ['a.x', 'b']],
    ['a repeat after nested arrays', '[[1,[2,3]],{"a":[{},{}],"a":0}]', ['1.a']],
  ])('names %s', (_, text, paths) => {
    expect(duplicatesIn(text)).toEqual(paths);
  });

  it('names at most 20, so that a body of many repeats costs no more than its first ones', () => {
    const members = Array.from({ length: 1_000 }, (_, i) => `"k${i}":1,"k${i}":2`).join(',');
    expect(duplicatesIn(`{${members}}`)).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`));
  });

  it('stops at the 20th repeat, a path named before counting too, so that a key repeated thousands of times deep down costs no more than its first repeats', () => {
    const repeatedA = Array.from({ length: 21 }, () => '"a":1').join(',');
    expect(duplicatesIn(`{${repeatedA},"b":1,"b":2}`)).toEqual(['a']);
    expect(duplicatesIn(`{"b":1,"b":2,${repeatedA}}`)).toEqual(['b', 'a']);
    const depth = 8_000;
    const deep = `${'['.repeat(depth)}{${Array.from({ length: 8_000 }, () => '"a":1').join(',')}}${']'.repeat(depth)}`;
    expect(duplicatesIn(deep)).toEqual([`${'0.'.repeat(depth)}a`]);
  });

  it('finds a repeat however deep the body nests, without recursion', () => {
    const depth = 100_000;
    const text = `${'{"a":['.repeat(depth)}{"k":1,"k":2}${']}'.repeat(depth)}`;
    const [path] = duplicatesIn(text);
    expect(path).toBe(`${'a.0.'.repeat(depth)}k`);
    expect(duplicatesIn(text.replace('"k":2', '"l":2'))).toEqual([]);
  });

  it('names exactly the repeats of bodies made at random', () => {
    // Random nesting, and keys drawn from a few names (one an escaped spelling of another), so that repeats are common.
    let seed = 7;
    // xorshift32: the same bodies on every run.
    const random = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const names: Array<[string, string]> = [['a', 'a'], ['\\u0061', 'a'], ['b\\"', 'b"'], ['b:', 'b:'], [' ', ' ']];
    // Each body with the repeats it holds, in the order its text repeats them.
    const body = (path: string[], repeats: string[]): string => {
      const kind = path.length > 3 ? 2 : random(3);
      if (kind === 0) {
        const seen = new Set<string>();
        const members = Array.from({ length: random(4) }, () => {
          const [spelled, key] = names[random(names.length)];
          const at = [...path, key].join('.');
          if (seen.has(key) && !repeats.includes(at)) repeats.push(at);
          seen.add(key);
          return `"${spelled}" :${body([...path, key], repeats)}`;
        });
        return `{${members.join(',')}}`;
      }
      if (kind === 1) return `[${Array.from({ length: random(3) }, (_, i) => body([...path, String(i)], repeats)).join(', ')}]`;
      return ['"x:\\":"', '1', 'null', '"a"', '"\\\\"'][random(5)];
    };
    let withRepeats = 0;
    for (let run = 0; run < 2_000; run++) {
      const repeats: string[] = [];
      const text = body([], repeats);
      if (repeats.length > 0) withRepeats++;
      expect({ text, found: duplicatesIn(text) }).toEqual({ text, found: repeats });
    }
    // Both kinds were made.
    expect(withRepeats).toBeGreaterThan(100);
    expect(withRepeats).toBeLessThan(1_900);
  });
});
