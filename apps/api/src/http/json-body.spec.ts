import { BadRequestException } from '@nestjs/common';
import { parseJsonBody } from './json-body';
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

  it('finds a forbidden key however deep the body nests', () => {
    const depth = 100_000;
    const error = refusal(`${'{"a":'.repeat(depth)}{"__proto__":{}}${'}'.repeat(depth)}`);
    expect((error as ValidationProblem).errors[0].field).toBe(`${'a.'.repeat(depth)}__proto__`);
  });
});
