import { isUniqueViolation, postgresErrorOf } from './sqlstate';

const nodeError = (code: string) => Object.assign(new Error(`${code} from the socket`), { code });

describe('postgresErrorOf', () => {
  it('finds the SQLSTATE PostgreSQL sent, also inside the driver error TypeORM wraps it in', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "api_keys_name_key"'), { code: '23505', constraint: 'api_keys_name_key' });
    const wrapped = Object.assign(new Error('QueryFailedError'), { driverError });
    expect(postgresErrorOf(wrapped)).toEqual({ code: '23505', message: driverError.message, constraint: 'api_keys_name_key' });
    expect(isUniqueViolation(wrapped, 'api_keys_name_key')).toBe(true);
    expect(postgresErrorOf(nodeError('28P01'))?.code).toBe('28P01');
  });

  it("does not take Node's five-letter socket codes for SQLSTATEs", () => {
    for (const code of ['EPIPE', 'EPERM', 'EBADF', 'EINTR', 'EBUSY']) expect(postgresErrorOf(nodeError(code))).toBeUndefined();
  });
});
