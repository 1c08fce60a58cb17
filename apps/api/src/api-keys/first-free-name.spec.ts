import { firstFreeName } from './first-free-name';

describe('the name a new VIGIL_ADMIN_API_KEY is stored under', () => {
  it.each([
    [[], 'bootstrap-admin'],
    [['bootstrap-admin'], 'bootstrap-admin-2'],
    [['bootstrap-admin', 'bootstrap-admin-2', 'bootstrap-admin-3'], 'bootstrap-admin-4'],
    [['bootstrap-admin', 'bootstrap-admin-3'], 'bootstrap-admin-2'],
    [['bootstrap-admin-2'], 'bootstrap-admin'],
  ])('with %j taken is %s', (taken, expected) => {
    expect(firstFreeName('bootstrap-admin', new Set(taken))).toBe(expected);
  });
});
