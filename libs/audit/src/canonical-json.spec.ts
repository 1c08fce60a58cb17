import { AuditInputError } from './audit-input-error';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it.each<[string, unknown, string]>([
    ['sorts keys at every depth', { b: 1, a: { d: [1, { z: 0, y: 1 }], c: null } }, '{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}'],
    ['sorts by UTF-16 code unit', { b: 1, B: 2, é: 3, '10': 4, '9': 5 }, '{"10":4,"9":5,"B":2,"b":1,"é":3}'],
    ['drops undefined members like JSON.stringify', { a: undefined, b: 1 }, '{"b":1}'],
    ['writes undefined array items as null', [1, undefined, 2], '[1,null,2]'],
    ['calls toJSON (dates)', { at: new Date('2025-01-02T03:04:05.678Z') }, '{"at":"2025-01-02T03:04:05.678Z"}'],
    ['writes numbers in shortest round-trip form', [0.1, 1e21, 1e-7, -0, 5e-324, 2 ** 53], '[0.1,1e+21,1e-7,0,5e-324,9007199254740992]'],
    ['escapes strings like JSON.stringify', ['a"b\\c\n', '\u2028', '😀'], '["a\\"b\\\\c\\n","\u2028","😀"]'],
    ['accepts null-prototype objects', Object.assign(Object.create(null) as object, { a: 1 }), '{"a":1}'],
    ['writes scalars', 'x', '"x"'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['NaN', { a: NaN }],
    ['Infinity', [Infinity]],
    ['bigint', { a: BigInt(1) }],
    ['function', { a: () => 1 }],
    ['symbol', { a: Symbol('s') }],
    ['Map', { a: new Map() }],
    ['class instance', { a: new (class Thing {})() }],
    ['NUL in a string', { a: 'x\u0000y' }],
    ['NUL in a key', { 'a\u0000': 1 }],
    ['lone high surrogate', { a: 'x\uD800' }],
    ['lone low surrogate', ['\uDC00x']],
  ])('rejects %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(AuditInputError);
  });

  it('rejects cycles but not shared references', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular/);
  });

  it('is stable through a JSON round trip (what jsonb storage amounts to)', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) return [random() * 1e6 - 5e5, Math.round(random() * 1e9), 'ü' + random().toString(36), true, null][Math.floor(random() * 5)];
      if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [random().toString(36).slice(2, 6), value(depth + 1)]));
    };
    for (let i = 0; i < 200; i++) {
      const text = canonicalJson(value(0));
      expect(canonicalJson(JSON.parse(text))).toBe(text);
    }
  });
});
