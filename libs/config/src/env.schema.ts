import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';
import { INCIDENT_TASK_QUEUE } from '../../contracts';

const flag = z.enum(['true', 'false', '1', '0'], { error: 'must be true, false, 1 or 0' }).transform((v) => v === 'true' || v === '1');
const optionalText = z.string().trim().min(1).optional();

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A whole number written in decimal digits: z.coerce.number() would take 0x10, 1e3 and spaces too, and quietly turn a typo into another value. */
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^[0-9]{1,15}$/, 'must be a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** The longest delay Node.js timers keep: a longer one fires after 1 ms. PostgreSQL's statement_timeout stops there too. */
const TIMER_MAX_MS = 2_147_483_647;

/** Milliseconds that end up in a timer (setTimeout, setInterval, pg's timeouts). */
const durationMs = (min: number, max = TIMER_MAX_MS, why = 'about 24.8 days, the longest timer Node.js keeps') =>
  wholeNumber(min).refine((ms) => ms <= max, `must be at most ${max} ms (${why})`);

/** An http(s) URL: it is shown to users as a link. */
const webUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' });

/** A PostgreSQL connection URL, as pg takes it. */
export const postgresUrl = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL, such as postgres://vigil:secret@db:5432/vigil' });

/** Why a file cannot be read, or undefined when it can. Checked at start, not at the first connection's retry. */
function unreadable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile() ? undefined : 'is not a file';
  } catch (error) {
    return `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}

const readableFile = optionalText.superRefine((path, ctx) => {
  const problem = path === undefined ? undefined : unreadable(path);
  if (problem) ctx.addIssue({ code: 'custom', message: `${path} ${problem}` });
});

/** Every environment variable the API and the worker read, with its default. The README's configuration table mirrors this. */
export const envSchema = z.object({
  PORT: wholeNumber(1, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: webUrl.optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  DATABASE_URL: postgresUrl,
  VIGIL_DB_POOL_SIZE: wholeNumber(1, 500).default(20),
  // The client waits a second longer than the statement_timeout (data-source-options).
  VIGIL_DB_QUERY_TIMEOUT_MS: durationMs(100, TIMER_MAX_MS - 1000, 'the longest timer Node.js keeps, less the second the app waits beyond it').default(30_000),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?$/, 'must be host:port, such as temporal-frontend:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1, 'must not be empty').default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1, 'must not be empty').default(INCIDENT_TASK_QUEUE),
  TEMPORAL_UI_URL: webUrl.default('http://127.0.0.1:8233'),
  TEMPORAL_TLS: flag.default(false),
  TEMPORAL_TLS_CERT_PATH: readableFile,
  TEMPORAL_TLS_KEY_PATH: readableFile,
  TEMPORAL_TLS_CA_PATH: readableFile,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  TEMPORAL_API_KEY: optionalText,
  VIGIL_UPDATE_TIMEOUT_MS: durationMs(100).default(10_000),
  VIGIL_ADMIN_API_KEY: z
    .string()
    .min(24, 'must be at least 24 characters')
    .max(512, 'must be at most 512 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters (no spaces)')
    .optional(),
  VIGIL_MAX_BODY_BYTES: wholeNumber(1024).default(1_048_576),
  VIGIL_REQUEST_TIMEOUT_MS: durationMs(100).default(30_000),
  VIGIL_MAX_BATCH: wholeNumber(1, 10_000).default(100),
  VIGIL_INTAKE_COMMIT_MAX_ALERTS: wholeNumber(1, 10_000).default(1000),
  VIGIL_INTAKE_COMMIT_CONCURRENCY: wholeNumber(1, 64).default(1),
  VIGIL_INTAKE_MAX_WAITING_ALERTS: wholeNumber(0).default(10_000),
  VIGIL_OUTBOX_POLL_MS: durationMs(10).default(1000),
  VIGIL_OUTBOX_MAX_BACKOFF_MS: durationMs(100).default(30_000),
  VIGIL_OUTBOX_CONCURRENCY: wholeNumber(1, 1000).default(64),
  VIGIL_OUTBOX_MAX_QUEUED: wholeNumber(1).default(10_000),
  VIGIL_OUTBOX_RETENTION_HOURS: wholeNumber(1, 87_600).default(168),
  VIGIL_AUDIT_CHECKPOINT_MS: durationMs(1000).default(60_000),
  VIGIL_API_KEY_CACHE_MS: durationMs(0).default(5000),
  OTEL_SERVICE_NAME: optionalText,
  OTEL_EXPORTER_OTLP_ENDPOINT: webUrl.optional(),
}).superRefine((env, ctx) => {
  // A client certificate is useless without its key, and the other way round.
  if (Boolean(env.TEMPORAL_TLS_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_KEY_PATH)) {
    const missing = env.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'must be set with the other of TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH (an mTLS client certificate and its key)' });
  }
  // Each intake commit holds a pool connection for good; key lookups, the outbox and health need the rest.
  if (env.VIGIL_INTAKE_COMMIT_CONCURRENCY >= env.VIGIL_DB_POOL_SIZE) {
    ctx.addIssue({ code: 'custom', path: ['VIGIL_INTAKE_COMMIT_CONCURRENCY'], message: `must be below VIGIL_DB_POOL_SIZE (${env.VIGIL_DB_POOL_SIZE}): each commit holds a connection of the pool` });
  }
});

export type Env = z.infer<typeof envSchema>;
