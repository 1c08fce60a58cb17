import { z } from 'zod';
import { oneOrMoreOf } from './one-or-more-of';
import { fieldProblems } from './parse-with';

describe('oneOrMoreOf', () => {
  const query = z.strictObject({ status: oneOrMoreOf(['triggered', 'acknowledged', 'resolved']).optional() });

  it.each([
    ['one value', 'triggered', ['triggered']],
    ['comma-separated', 'triggered,acknowledged', ['triggered', 'acknowledged']],
    ['repeated', ['acknowledged', 'triggered'], ['acknowledged', 'triggered']],
    ['repeated and comma-separated, with a repeat', ['triggered,resolved', 'triggered'], ['triggered', 'resolved']],
  ])('takes %s', (_name, status, expected) => {
    expect(query.parse({ status })).toEqual({ status: expected });
  });

  it.each([['open'], ['triggered,'], [['triggered', 'nope']], [''], [[]]])('refuses %j, naming the parameter', (status) => {
    const result = query.safeParse({ status });
    expect(result.success ? [] : fieldProblems(result.error).map((p) => p.field)).toEqual(['status']);
  });
});
