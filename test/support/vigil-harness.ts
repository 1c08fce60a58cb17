import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Client as PgClient } from 'pg';
import { createApp } from '../../apps/api/src/create-app';
import { TemporalWorkerService } from '../../apps/worker/src/temporal-worker.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { VigilConfig } from '../../libs/config';
import { findFreePort, silentLog, startTemporalDevServer, type TemporalDevServer } from '../../libs/dev-stack';
import { startTelemetry, type Telemetry } from '../../libs/telemetry';
import { OpenApiConformance, OpenApiMismatch, type Exchange, type OpenApiDocument, type Verdict } from './openapi-conformance';
import { createScratchDatabase } from './test-database';
import { testEnv } from './test-env';

let fileTelemetry: Telemetry | undefined;

/** One OpenTelemetry SDK per test file (as per process in production), so requests get real trace ids. */
export function testTelemetry(options: { spanExporter?: SpanExporter } = {}): Telemetry {
  fileTelemetry ??= startTelemetry({ serviceName: 'vigil-test', spanExporter: options.spanExporter });
  return fileTelemetry;
}

/** A Temporal dev server (the real CLI binary) that a test can stop and start again on the same port and data. */
export class TestTemporal {
  private server?: TemporalDevServer;
  /** While stopped, the port stays taken (connections are reset) so no other test's server can land on it. */
  private portHolder?: Server;

  private constructor(
    readonly port: number,
    private readonly uiPort: number,
    private readonly dbFilename: string | undefined,
  ) {}

  static async start(options: { dbFilename?: string } = {}): Promise<TestTemporal> {
    for (let attempt = 1; ; attempt++) {
      const temporal = new TestTemporal(await findFreePort(), await findFreePort(), options.dbFilename);
      try {
        await temporal.resume();
        return temporal;
      } catch (error) {
        // Ports found free a moment ago can be taken before the server binds them (by another test
        // file's server, whose own extra ports the CLI picks at random): try others.
        if (attempt === 3 || !/exited .* while starting/.test(String(error))) throw new Error(`${String(error)}\n${temporal.output.join('\n')}`, { cause: error });
      }
    }
  }

  /** The dev server's last lines of output: why it stopped, if it did. */
  private readonly output: string[] = [];

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The dev server's Web UI. */
  get uiUrl(): string {
    return `http://127.0.0.1:${this.uiPort}`;
  }

  async resume(): Promise<void> {
    await this.releasePort();
    this.server = await startTemporalDevServer({
      cliPath: testEnv('TEMPORAL_CLI_PATH'),
      port: this.port,
      uiPort: this.uiPort,
      dbFilename: this.dbFilename,
      log: silentLog,
      writeLine: (line) => this.output.push(line) > 20 && this.output.shift(),
    });
  }

  /** Stops the server; with `holdPort` the port keeps refusing connections until `resume()`. */
  async stop(options: { holdPort?: boolean } = {}): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
    // Also after a test that failed while the port was held: an open holder would keep Jest from exiting.
    if (!options.holdPort) return this.releasePort();
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => holder.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()));
    this.portHolder = holder;
  }

  /** Stops the server's process without ending it (SIGSTOP): its connections stay open and nothing answers on them. */
  freeze(): void {
    if (this.server) process.kill(this.server.pid, 'SIGSTOP');
  }

  thaw(): void {
    if (this.server) process.kill(this.server.pid, 'SIGCONT');
  }

  private async releasePort(): Promise<void> {
    await new Promise<void>((resolve) => (this.portHolder ? this.portHolder.close(() => resolve()) : resolve()));
    this.portHolder = undefined;
  }
}

export interface VigilOptions {
  temporalAddress: string;
  /** An existing database (e.g. the outage cluster's); by default each Vigil gets a fresh one. */
  database?: { appUrl: string; ownerUrl: string };
  telemetry?: Telemetry;
  env?: Record<string, string>;
  /** Without a worker, workflows are started but not run (tests of intake alone). */
  worker?: boolean;
}

/**
 * Every answer of this test file that its OpenAPI document does not describe. Each is thrown where
 * it is read, and fails the file once more after its tests, so that a caller that catches errors
 * (a sender that retries) cannot hide one. Not from `stop()`: a throw there would skip the
 * caller's remaining cleanup (its Temporal server, say) and leave Jest hanging.
 */
const openApiMismatches: OpenApiMismatch[] = [];
afterAll(() => {
  const found = openApiMismatches.splice(0);
  if (found.length > 0) throw new OpenApiMismatch(`answers the OpenAPI document does not describe (each also thrown where it was read):\n${found.map((m) => m.message).join('\n')}`);
});

/** Runs every step in turn, also after one fails; then throws the first failure. */
async function everyStep(steps: Array<() => Promise<unknown> | undefined>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) await Promise.resolve(step()).catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
}

/** Served by the Swagger module, and left out of the document they serve. */
const DOCUMENT_ROUTES = {
  '/docs': 'the OpenAPI UI, which the document does not describe',
  '/docs/json': 'the OpenAPI document itself, which does not describe its own routes',
  '/docs/yaml': 'the OpenAPI document itself, which does not describe its own routes',
};

/**
 * Vigil's API and worker in this process, wired exactly as in production, against real PostgreSQL and Temporal.
 * Every answer `fetch()` and `json()` get is checked against the API's own OpenAPI document (GET /docs/json).
 */
export class Vigil {
  readonly client: Client;
  /** Each answer `fetch()`, `json()` or `checkOpenApi()` saw: the operation it was checked against, or why it was not. */
  readonly openApiVerdicts: Array<{ request: string; verdict: Verdict }> = [];

  private constructor(
    readonly adminKey: string,
    readonly config: VigilConfig,
    readonly api: NestFastifyApplication,
    readonly worker: INestApplicationContext | undefined,
    readonly url: string,
    private readonly database: { appUrl: string; ownerUrl: string; drop?: () => Promise<void> },
    private readonly openApi: OpenApiConformance,
  ) {
    this.client = new Client({ connection: Connection.lazy({ address: config.temporal.address }), namespace: config.temporal.namespace });
  }

  static async start(options: VigilOptions): Promise<Vigil> {
    const port = await findFreePort();
    const database: Vigil['database'] = options.database ?? (await createScratchDatabase('vigil_e2e'));
    const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
    const config = VigilConfig.fromEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.VIGIL_TEST_LOG_LEVEL ?? 'silent',
      DATABASE_URL: database.appUrl,
      TEMPORAL_ADDRESS: options.temporalAddress,
      VIGIL_ADMIN_API_KEY: adminKey,
      VIGIL_OUTBOX_POLL_MS: '200',
      VIGIL_OUTBOX_MAX_BACKOFF_MS: '1000',
      ...options.env,
    });
    const telemetry = options.telemetry ?? testTelemetry();
    // Whatever was started is stopped again, newest first, if a later step fails.
    const started: Array<() => Promise<unknown> | undefined> = [() => database.drop?.()];
    try {
      const worker = options.worker === false ? undefined : await NestFactory.createApplicationContext(WorkerModule.register(config, telemetry), { logger: false });
      started.unshift(() => worker?.close());
      // As before the worker connected after bootstrap: tests that stop Temporal at once find it polling.
      await worker?.get(TemporalWorkerService).whenPolling();
      const api = await createApp(config);
      started.unshift(() => api.close());
      await api.listen({ port, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${port}`;
      const openApi = await loadOpenApi(url, adminKey);
      return new Vigil(adminKey, config, api, worker, url, database, openApi);
    } catch (error) {
      await everyStep(started).catch(() => undefined);
      throw error;
    }
  }

  /** Stops everything, also past a step that fails (then throws its error). */
  async stop(): Promise<void> {
    await everyStep([() => this.api.close(), () => this.worker?.close(), () => this.client.connection.close(), () => this.database.drop?.()]);
  }

  /** A connection of the owner of this Vigil's database, held by the caller (to hold a lock, say); the caller ends it. */
  async ownerConnection(): Promise<PgClient> {
    const client = new PgClient({ connectionString: this.database.ownerUrl });
    await client.connect();
    return client;
  }

  /** A query as the owner of this Vigil's database: for assertions the app role may not make. */
  ownerQuery<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return ownerQuery<T>(sql, params, this.database.ownerUrl);
  }

  /** The answer, its body still to read; checked against the OpenAPI document as `json()` checks it. */
  async fetch(path: string, init: VigilRequest = {}): Promise<Response> {
    const response = await this.send(path, init);
    this.checkOpenApi({ method: methodOf(init), path, status: response.status, contentType: response.headers.get('content-type'), body: await response.clone().text() });
    return response;
  }

  /** The answer, parsed; throws OpenApiMismatch if the OpenAPI document does not describe it. */
  async json<T = any>(path: string, init: VigilRequest = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await this.send(path, init);
    const text = await response.text();
    const body = (text ? JSON.parse(text) : undefined) as T;
    this.checkOpenApi({ method: methodOf(init), path, status: response.status, contentType: response.headers.get('content-type'), body: text });
    return { status: response.status, body, headers: response.headers };
  }

  /** Checks an answer against the API's OpenAPI document (also one read from a raw socket); throws OpenApiMismatch if it does not describe it. */
  checkOpenApi(exchange: Exchange): Verdict {
    try {
      const verdict = this.openApi.check(exchange);
      this.openApiVerdicts.push({ request: `${exchange.method} ${exchange.path} ${exchange.status}`, verdict });
      return verdict;
    } catch (error) {
      if (error instanceof OpenApiMismatch) openApiMismatches.push(error);
      throw error;
    }
  }

  private send(path: string, init: VigilRequest): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    const key = init.key === undefined ? this.adminKey : init.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = init.rawBody;
    if (init.body !== undefined) body = JSON.stringify(init.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    return fetch(`${this.url}${path}`, { method: methodOf(init), headers, body });
  }
}

/** A request as a test describes it: a JSON `body`, or a `rawBody` sent as is; the admin key unless `key` says otherwise (null: none). */
export interface VigilRequest {
  method?: string;
  body?: unknown;
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
}

/** As `fetch` defaults it: POST with a body, else GET. */
function methodOf(init: VigilRequest): string {
  return init.method ?? (init.body !== undefined || init.rawBody !== undefined ? 'POST' : 'GET');
}

/** The API's OpenAPI document, once per Vigil: the answers its tests read are checked against it. */
async function loadOpenApi(url: string, key: string): Promise<OpenApiConformance> {
  const docs = await fetch(`${url}/docs/json`, { headers: { authorization: `Bearer ${key}` } });
  if (docs.status !== 200) throw new Error(`GET /docs/json answered ${docs.status}: ${await docs.text()}`);
  return new OpenApiConformance((await docs.json()) as OpenApiDocument, DOCUMENT_ROUTES);
}

/** A connection as the database owner, for assertions the app role may not make (and tampering). */
export async function ownerQuery<T = any>(sql: string, params: unknown[] = [], url = testEnv('VIGIL_TEST_DATABASE_OWNER_URL')): Promise<T[]> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Polls until `probe` returns a value that is not undefined (event-driven tests without fixed sleeps). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      // Not a state that may still change: an answer the API's own document does not describe.
      if (error instanceof OpenApiMismatch) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function alert(overrides: { labels?: Record<string, string>; [key: string]: unknown } = {}) {
  const { labels, ...rest } = overrides;
  return {
    labels: { alertname: 'HighErrorRate', service: `checkout-${randomBytes(4).toString('hex')}`, severity: 'critical', ...labels },
    annotations: { summary: 'error rate 7%' },
    status: 'firing',
    ...rest,
  };
}
