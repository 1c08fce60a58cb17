import { envSchema, type Env } from './env.schema';

export class ConfigError extends Error {}

/**
 * The typed, validated configuration of the API and the worker: the only place they read `process.env`.
 * Used as the Nest injection token too (a class, not a string).
 */
export class VigilConfig {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly logLevel: Env['LOG_LEVEL'];
  /** How long a client may take to send a whole request (headers and body); 408 after. */
  readonly requestTimeoutMs: number;
  readonly database: { url: string; poolSize: number; queryTimeoutMs: number };
  readonly temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    tls: { enabled: boolean; certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
    apiKey?: string;
    /** How long acknowledge and resolve wait for the workflow to finish the change. */
    updateTimeoutMs: number;
  };
  readonly adminApiKey?: string;
  readonly intake: { maxBodyBytes: number; maxBatch: number; commitMaxAlerts: number; commitConcurrency: number; maxWaitingAlerts: number };
  /** `retentionMs`: how long a delivered command is kept before it is pruned. */
  readonly outbox: { pollMs: number; maxBackoffMs: number; concurrency: number; maxQueued: number; retentionMs: number };
  readonly audit: { checkpointMs: number };
  readonly apiKeyCacheMs: number;
  readonly otel: { serviceName?: string; exporterEndpoint?: string };

  constructor(env: Env) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.publicUrl = env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`;
    this.logLevel = env.LOG_LEVEL;
    this.requestTimeoutMs = env.VIGIL_REQUEST_TIMEOUT_MS;
    this.database = { url: env.DATABASE_URL, poolSize: env.VIGIL_DB_POOL_SIZE, queryTimeoutMs: env.VIGIL_DB_QUERY_TIMEOUT_MS };
    const tlsFiles = env.TEMPORAL_TLS_CERT_PATH || env.TEMPORAL_TLS_CA_PATH;
    this.temporal = {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      uiUrl: env.TEMPORAL_UI_URL.replace(/\/$/, ''),
      tls: {
        enabled: env.TEMPORAL_TLS || Boolean(tlsFiles) || Boolean(env.TEMPORAL_API_KEY),
        certPath: env.TEMPORAL_TLS_CERT_PATH,
        keyPath: env.TEMPORAL_TLS_KEY_PATH,
        caPath: env.TEMPORAL_TLS_CA_PATH,
        serverName: env.TEMPORAL_TLS_SERVER_NAME,
      },
      apiKey: env.TEMPORAL_API_KEY,
      updateTimeoutMs: env.VIGIL_UPDATE_TIMEOUT_MS,
    };
    this.adminApiKey = env.VIGIL_ADMIN_API_KEY;
    this.intake = {
      maxBodyBytes: env.VIGIL_MAX_BODY_BYTES,
      maxBatch: env.VIGIL_MAX_BATCH,
      commitMaxAlerts: env.VIGIL_INTAKE_COMMIT_MAX_ALERTS,
      commitConcurrency: env.VIGIL_INTAKE_COMMIT_CONCURRENCY,
      maxWaitingAlerts: env.VIGIL_INTAKE_MAX_WAITING_ALERTS,
    };
    this.outbox = {
      pollMs: env.VIGIL_OUTBOX_POLL_MS,
      maxBackoffMs: env.VIGIL_OUTBOX_MAX_BACKOFF_MS,
      concurrency: env.VIGIL_OUTBOX_CONCURRENCY,
      maxQueued: env.VIGIL_OUTBOX_MAX_QUEUED,
      retentionMs: env.VIGIL_OUTBOX_RETENTION_HOURS * 3_600_000,
    };
    this.audit = { checkpointMs: env.VIGIL_AUDIT_CHECKPOINT_MS };
    this.apiKeyCacheMs = env.VIGIL_API_KEY_CACHE_MS;
    this.otel = { serviceName: env.OTEL_SERVICE_NAME, exporterEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT };
  }

  /** Parses an environment; throws a ConfigError naming every bad variable. */
  static fromEnv(env: NodeJS.ProcessEnv | Record<string, string | undefined>): VigilConfig {
    const parsed = envSchema.safeParse(env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ConfigError(`invalid configuration: ${problems}`);
    }
    return new VigilConfig(parsed.data);
  }

  temporalUiWorkflowUrl(workflowId: string): string {
    return `${this.temporal.uiUrl}/namespaces/${encodeURIComponent(this.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  }
}

let cached: VigilConfig | undefined;

/** The process's configuration, parsed once from `process.env`. */
export function processConfig(): VigilConfig {
  cached ??= VigilConfig.fromEnv(process.env);
  return cached;
}

/** `processConfig` for an entry point: a bad setting ends the process with the message naming it, not a stack trace. */
export function processConfigOrExit(): VigilConfig {
  try {
    return processConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
