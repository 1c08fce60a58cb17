import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('takes numbers only in decimal digits, so that a typo never quietly becomes another value', () => {
    for (const written of ['0x10', '1e3', ' 3201', '3201 ', '+3201', '3201.0']) {
      expect(() => VigilConfig.fromEnv({ ...minimal, PORT: written })).toThrow(/PORT: must be a whole number in decimal digits/);
    }
    expect(() => VigilConfig.fromEnv({ ...minimal, VIGIL_MAX_BATCH: '1e3' })).toThrow(/VIGIL_MAX_BATCH: must be a whole number/);
    expect(() => VigilConfig.fromEnv({ ...minimal, PORT: '70000' })).toThrow(/PORT: /);
    // 0 would listen on a port chosen at random, which the URLs the API prints and answers could not name.
    expect(() => VigilConfig.fromEnv({ ...minimal, PORT: '0' })).toThrow(/PORT: /);
    expect(VigilConfig.fromEnv({ ...minimal, PORT: '3201', VIGIL_MAX_BATCH: '1000' })).toMatchObject({ port: 3201, intake: { maxBatch: 1000 } });
  });

  it('refuses durations longer than a timer can wait, which Node.js would fire after 1 ms instead', () => {
    for (const name of ['VIGIL_OUTBOX_POLL_MS', 'VIGIL_AUDIT_CHECKPOINT_MS', 'VIGIL_REQUEST_TIMEOUT_MS', 'VIGIL_UPDATE_TIMEOUT_MS', 'VIGIL_OUTBOX_MAX_BACKOFF_MS', 'VIGIL_API_KEY_CACHE_MS']) {
      expect(() => VigilConfig.fromEnv({ ...minimal, [name]: '2147483648' })).toThrow(new RegExp(`${name}: must be at most 2147483647 ms`));
    }
    expect(VigilConfig.fromEnv({ ...minimal, VIGIL_AUDIT_CHECKPOINT_MS: '2147483647' }).audit.checkpointMs).toBe(2_147_483_647);
    // pg waits a second longer than PostgreSQL's statement_timeout, and both are timers.
    expect(() => VigilConfig.fromEnv({ ...minimal, VIGIL_DB_QUERY_TIMEOUT_MS: '2147483000' })).toThrow(/VIGIL_DB_QUERY_TIMEOUT_MS: must be at most 2147482647 ms \(the longest timer Node.js keeps, less the second the app waits beyond it\)/);
    expect(VigilConfig.fromEnv({ ...minimal, VIGIL_DB_QUERY_TIMEOUT_MS: '2147482647' }).database.queryTimeoutMs).toBe(2_147_482_647);
  });

  it('names what a setting takes when it is none of it: a PostgreSQL URL, a log level, a flag', () => {
    expect(() => VigilConfig.fromEnv({ ...minimal, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(VigilConfig.fromEnv({ ...minimal, DATABASE_URL: 'postgresql://db/vigil' }).database.url).toBe('postgresql://db/vigil');
    expect(() => VigilConfig.fromEnv({ ...minimal, LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/);
    expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_TLS: 'yes' })).toThrow(/TEMPORAL_TLS: must be true, false, 1 or 0/);
    expect(() => VigilConfig.fromEnv({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: must be an http or https URL/);
  });

  it('takes only http(s) links for the URLs it shows users', () => {
    expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_UI_URL: 'javascript:alert(1)' })).toThrow(/TEMPORAL_UI_URL: must be an http or https URL/);
    expect(() => VigilConfig.fromEnv({ ...minimal, PUBLIC_URL: 'ftp://vigil.example' })).toThrow(/PUBLIC_URL: must be an http or https URL/);
    expect(VigilConfig.fromEnv({ ...minimal, TEMPORAL_UI_URL: 'https://cloud.temporal.io/' }).temporalUiWorkflowUrl('incident-1')).toBe(
      'https://cloud.temporal.io/namespaces/default/workflows/incident-1',
    );
  });

  it('refuses a Temporal address that is not host:port, and an empty namespace or task queue', () => {
    for (const address of ['temporal-frontend:7233', 'prod.a1b2c.tmprl.cloud:7233', '[::1]:7233', '10.0.0.5', 'temporal_frontend:7233']) {
      expect(VigilConfig.fromEnv({ ...minimal, TEMPORAL_ADDRESS: address }).temporal.address).toBe(address);
    }
    for (const address of ['not an address', 'http://temporal:7233', 'temporal:', '']) {
      expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_ADDRESS: address })).toThrow(/TEMPORAL_ADDRESS: must be host:port/);
    }
    expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_NAMESPACE: '' })).toThrow(/TEMPORAL_NAMESPACE: must not be empty/);
    expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_TASK_QUEUE: '' })).toThrow(/TEMPORAL_TASK_QUEUE: must not be empty/);
  });

  describe('mTLS files', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
      for (const name of ['client.pem', 'client.key', 'ca.pem']) writeFileSync(join(dir, name), 'pem');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('takes a certificate with its key and a CA that can be read, and turns TLS on', () => {
      const config = VigilConfig.fromEnv({ ...minimal, TEMPORAL_TLS_CERT_PATH: join(dir, 'client.pem'), TEMPORAL_TLS_KEY_PATH: join(dir, 'client.key'), TEMPORAL_TLS_CA_PATH: join(dir, 'ca.pem') });
      expect(config.temporal.tls).toMatchObject({ enabled: true, certPath: join(dir, 'client.pem'), keyPath: join(dir, 'client.key'), caPath: join(dir, 'ca.pem') });
    });

    it('names a certificate without its key, and a key without its certificate', () => {
      expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_TLS_CERT_PATH: join(dir, 'client.pem') })).toThrow(/TEMPORAL_TLS_KEY_PATH: must be set with the other/);
      expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_TLS_KEY_PATH: join(dir, 'client.key') })).toThrow(/TEMPORAL_TLS_CERT_PATH: must be set with the other/);
    });

    it('names a file that is missing or is a folder, before anything connects', () => {
      expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_TLS_CA_PATH: join(dir, 'missing.pem') })).toThrow(`TEMPORAL_TLS_CA_PATH: ${join(dir, 'missing.pem')} cannot be read (ENOENT)`);
      expect(() => VigilConfig.fromEnv({ ...minimal, TEMPORAL_TLS_CA_PATH: dir })).toThrow(`TEMPORAL_TLS_CA_PATH: ${dir} is not a file`);
    });
  });

  it('turns TLS on for Temporal Cloud API keys and builds Temporal UI links', () => {
    const config = VigilConfig.fromEnv({ ...minimal, TEMPORAL_API_KEY: 'k', TEMPORAL_NAMESPACE: 'prod.acct', TEMPORAL_UI_URL: 'https://cloud.temporal.io/' });
    expect(config.temporal.tls.enabled).toBe(true);
    expect(config.temporalUiWorkflowUrl('incident-1')).toBe('https://cloud.temporal.io/namespaces/prod.acct/workflows/incident-1');
  });
});
