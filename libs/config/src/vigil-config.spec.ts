import { ConfigError, VigilConfig } from './vigil-config';

describe('VigilConfig.fromEnv', () => {
  const minimal = { DATABASE_URL: 'postgres://vigil:pw@127.0.0.1:5432/vigil' };

  it('applies the documented defaults', () => {
    const config = VigilConfig.fromEnv(minimal);
    expect(config.port).toBe(3000);
    expect(config.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'vigil-incidents', tls: { enabled: false } });
    expect(config.intake).toEqual({ maxBodyBytes: 1_048_576, maxBatch: 100, commitMaxAlerts: 1000, commitConcurrency: 1, maxWaitingAlerts: 10_000 });
  });

  it('names every invalid variable', () => {
    expect(() => VigilConfig.fromEnv({ PORT: 'abc', VIGIL_ADMIN_API_KEY: 'short' })).toThrow(ConfigError);
    expect(() => VigilConfig.fromEnv({ PORT: 'abc', VIGIL_ADMIN_API_KEY: 'short' })).toThrow(/DATABASE_URL.*PORT|PORT.*DATABASE_URL/);
    expect(() => VigilConfig.fromEnv({ ...minimal, VIGIL_ADMIN_API_KEY: 'short' })).toThrow(/VIGIL_ADMIN_API_KEY: must be at least 24 characters/);
    expect(() => VigilConfig.fromEnv({ ...minimal, VIGIL_ADMIN_API_KEY: 'a key with spaces in it, long enough' })).toThrow(/VIGIL_ADMIN_API_KEY: must be visible ASCII/);
    expect(() => VigilConfig.fromEnv({ ...minimal, VIGIL_DB_POOL_SIZE: '4', VIGIL_INTAKE_COMMIT_CONCURRENCY: '4' })).toThrow(/VIGIL_INTAKE_COMMIT_CONCURRENCY: must be below VIGIL_DB_POOL_SIZE \(4\)/);
    expect(VigilConfig.fromEnv({ ...minimal, VIGIL_DB_POOL_SIZE: '5', VIGIL_INTAKE_COMMIT_CONCURRENCY: '4' }).intake.commitConcurrency).toBe(4);
  });

  it('turns TLS on for Temporal Cloud API keys and builds Temporal UI links', () => {
    const config = VigilConfig.fromEnv({ ...minimal, TEMPORAL_API_KEY: 'k', TEMPORAL_NAMESPACE: 'prod.acct', TEMPORAL_UI_URL: 'https://cloud.temporal.io/' });
    expect(config.temporal.tls.enabled).toBe(true);
    expect(config.temporalUiWorkflowUrl('incident-1')).toBe('https://cloud.temporal.io/namespaces/prod.acct/workflows/incident-1');
  });
});
