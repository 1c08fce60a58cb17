import { deriveSecret, passwordOf, postgresUrl, withCredentials } from './postgres-url';

describe('postgres URLs', () => {
  it('encodes credentials that need it', () => {
    const url = postgresUrl({ user: 'postgres', password: 'p@ss/w:rd', host: '127.0.0.1', port: 5433, database: 'vigil' });
    expect(url).toBe('postgres://postgres:p%40ss%2Fw%3Ard@127.0.0.1:5433/vigil');
    expect(passwordOf(url)).toBe('p@ss/w:rd');
  });

  it('swaps the login and keeps server, database and options', () => {
    expect(withCredentials('postgres://owner:x@db:5432/vigil?sslmode=require', 'vigil', 'y')).toBe('postgres://vigil:y@db:5432/vigil?sslmode=require');
  });

  it('derives a stable, purpose-bound secret', () => {
    expect(deriveSecret('s', 'app-role:vigil')).toBe(deriveSecret('s', 'app-role:vigil'));
    expect(deriveSecret('s', 'app-role:vigil')).not.toBe(deriveSecret('s', 'app-role:other'));
    expect(deriveSecret('s', 'a')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
