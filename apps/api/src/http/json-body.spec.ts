import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { bodyText, parseJsonBody } from './json-body';
import { ValidationProblem } from './problem';

function refusal(text: string): unknown {
  try {
    parseJsonBody(text);
  } catch (error) {
    return error;
  }
  throw new Error(`${text} was accepted`);
}

describe('parseJsonBody', () => {
  it('parses JSON, and takes an empty body as no body', () => {
    expect(parseJsonBody('{"labels":{"alertname":"x","constructor":"y"},"note":"__proto__"}')).toEqual({ labels: { alertname: 'x', constructor: 'y' }, note: '__proto__' });
    expect(parseJsonBody('')).toBeUndefined();
  });

  it('says where broken JSON breaks', () => {
    const error = refusal('{"labels":{');
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as Error).message).toMatch(/^Body is not valid JSON: .*JSON/);
  });

  it.each([
    ['{"__proto__":{"admin":true}}', '__proto__'],
    ['{"labels":{"team":"a","__proto__":{"admin":true}}}', 'labels.__proto__'],
    ['[{"labels":{}},{"annotations":{"constructor":{"prototype":{"admin":true}}}}]', '1.annotations.constructor'],
  ])('names the forbidden key in %s', (text, field) => {
    const error = refusal(text);
    expect(error).toBeInstanceOf(ValidationProblem);
    expect((error as ValidationProblem).errors).toEqual([{ field, message: expect.stringContaining('prototype') }]);
  });

  it.each([
    ['{"labels":{"alertname":"x"},"status":"firing","status":"resolved"}', ['status']],
    ['{"labels":{"team":"a","team":"b"},"annotations":{"summary":"s","summary":"t"}}', ['labels.team', 'annotations.summary']],
    ['[{"labels":{}},{"labels":{"a":"1","\\u0061":"2"}}]', ['1.labels.a']],
  ])('refuses a key given twice in %s, naming each, rather than keep the last', (text, fields) => {
    const error = refusal(text);
    expect(error).toBeInstanceOf(ValidationProblem);
    expect((error as ValidationProblem).errors).toEqual(fields.map((field) => ({ field, message: 'give it once' })));
  });

  it('finds a forbidden key however deep the body nests', () => {
    const depth = 100_000;
    const error = refusal(`${'{"a":'.repeat(depth)}{"__proto__":{}}${'}'.repeat(depth)}`);
    // Named by both ends (a path as long as the body would make the answer as large as the body).
    const { field } = (error as ValidationProblem).errors[0];
    expect(field).toMatch(/^(a\.){250}…(\.a)+\.__proto__$/);
    expect(field.length).toBe(1_001);
    expect((error as Error).message.length).toBeLessThan(1_100);
  });
});

describe('bodyText', () => {
  const utf8 = Buffer.from('{"summary":"café ü"}', 'utf8');

  it('reads UTF-8, declared or not', () => {
    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'Application/JSON; Charset="UTF-8"', 'application/json;charset=utf8']) {
      expect(bodyText(utf8, contentType, undefined)).toBe('{"summary":"café ü"}');
    }
    expect(bodyText(utf8, 'application/json', 'identity')).toBe('{"summary":"café ü"}');
  });

  it('refuses another charset or a content coding with 415, rather than store the text garbled', () => {
    const latin1 = Buffer.from('{"summary":"café ü"}', 'latin1');
    expect(() => bodyText(latin1, 'application/json; charset=latin1', undefined)).toThrow(UnsupportedMediaTypeException);
    expect(() => bodyText(utf8, 'application/json; charset=utf-16', undefined)).toThrow(/charset utf-16/);
    expect(() => bodyText(utf8, 'application/json', 'gzip')).toThrow(/Content-Encoding gzip/);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => bodyText(Buffer.from('{"summary":"caf\xe9"}', 'latin1'), 'application/json', undefined)).toThrow('Body is not valid UTF-8');
  });
});
