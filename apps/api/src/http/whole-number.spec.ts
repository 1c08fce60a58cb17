import { wholeNumber } from './whole-number';

describe('a whole number in a query string', () => {
  const limit = wholeNumber({ min: 1, max: 200 });

  it.each([
    ['1', 1],
    ['200', 200],
    ['050', 50],
  ])('reads %j as %i', (text, value) => {
    expect(limit.parse(text)).toBe(value);
  });

  it.each(['0x10', '1e1', ' 1', '1.5', '-1', '', '0', '201', '9999999999999999999'])('refuses %j', (text) => {
    expect(limit.safeParse(text).success).toBe(false);
  });

  it.each([
    ['0x10', 'must be a whole number, at least 0'],
    ['-1', 'must be a whole number, at least 0'],
    ['9007199254740993', 'must have at most 15 digits'],
  ])('says what is wrong with %j, once', (text, message) => {
    expect(wholeNumber({ min: 0 }).safeParse(text).error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it.each(['-1', '0', '201', 'x'])('says what would do instead of %j', (text) => {
    expect(limit.safeParse(text).error?.issues.map((issue) => issue.message)).toEqual(['must be a whole number from 1 to 200']);
  });

  it('says a repeated parameter is repeated', () => {
    const result = limit.safeParse(['1', '2']);
    expect(result.error?.issues[0].message).toBe('give it once');
  });
});
