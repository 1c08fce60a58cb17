import { MalformedQueryValue, parseQueryString } from './strict-query-string';

describe('parseQueryString', () => {
  it('decodes as forms do: percent-encoded UTF-8, + as a space, a name without = as empty, repeats as an array', () => {
    expect({ ...parseQueryString('service=caf%C3%A9+au+lait&flag&status=a&status=b&status=c&&e=%F0%9F%98%80') }).toEqual({
      service: 'café au lait',
      flag: '',
      status: ['a', 'b', 'c'],
      e: '😀',
    });
  });

  it('marks, rather than passes on, what is not percent-encoded UTF-8 text', () => {
    const parsed = parseQueryString('a=%ZZ&b=%ED%A0%80&c=%&%ZZ=1');
    for (const name of ['a', 'b', 'c', '%ZZ']) expect(parsed[name]).toBeInstanceOf(MalformedQueryValue);
  });

  it('keeps a name like __proto__ as a parameter, which validation then refuses as unknown', () => {
    const parsed = parseQueryString('__proto__=x&constructor=y');
    expect(Object.keys(parsed)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(parsed)).toBeNull();
  });
});
