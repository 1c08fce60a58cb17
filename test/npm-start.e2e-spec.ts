import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findFreePort, isPortFree } from '../libs/dev-stack';
import { CLEAN_STOP, NpmStart, processesUsing, withoutVigilSettings } from './support/npm-start';
import { alert, eventually } from './support/vigil-harness';
import { testEnv } from './support/test-env';

const REPO_ROOT = resolve(__dirname, '..');

/**
 * `npm start` as a user runs it, on a data folder and ports of its own, with an OTLP collector
 * configured: it prints the URLs and a first admin key, exports the alert's trace from the API and
 * the worker, Ctrl-C stops every process it started, and the next `npm start` on the same folder
 * finds the incident and its workflow, which carries on. Killed outright, every process at once,
 * the next `npm start` still has every alert it answered 202, and their workflows start.
 */
describe('npm start', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let running: NpmStart | undefined;
  let collector: OtlpCollector;
  /** The first admin key `npm start` printed; the later tests use it too. */
  let adminKey: string | undefined;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-npm-start-'));
    const [api, postgres, temporal, temporalUi] = await Promise.all([findFreePort(), findFreePort(), findFreePort(), findFreePort()]);
    apiUrl = `http://127.0.0.1:${api}`;
    env = {
      ...withoutVigilSettings(process.env),
      VIGIL_DATA_DIR: dataDir,
      PORT: String(api),
      VIGIL_PG_PORT: String(postgres),
      VIGIL_TEMPORAL_PORT: String(temporal),
      VIGIL_TEMPORAL_UI_PORT: String(temporalUi),
      TEMPORAL_CLI_PATH: testEnv('TEMPORAL_CLI_PATH'),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    };
  });

  afterAll(async () => {
    await running?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await new Promise((done) => collector?.server.close(done));
  });

  async function upAndReady(): Promise<NpmStart> {
    // Ports chosen minutes ago may have been taken since (as the local end of some connection): choose again those that were.
    for (const name of ['PORT', 'VIGIL_PG_PORT', 'VIGIL_TEMPORAL_PORT', 'VIGIL_TEMPORAL_UI_PORT']) {
      if (!(await isPortFree(Number(env[name])))) env[name] = String(await findFreePort());
    }
    apiUrl = `http://127.0.0.1:${env.PORT}`;
    running = await NpmStart.upAndReady(env, apiUrl);
    return running;
  }

  async function ctrlC(stack: NpmStart): Promise<string> {
    const output = await stack.ctrlC();
    running = undefined;
    return output;
  }

  /** Only npm's own pid signalled (no terminal): npm hands it to `scripts/start.mjs`, which must pass it on. */
  async function signalNpm(stack: NpmStart, signal: 'SIGINT' | 'SIGTERM'): Promise<string> {
    const output = await stack.signalNpm(signal);
    running = undefined;
    return output;
  }

  function request(key: string, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers } });
  }

  it('comes up with the URLs and a first admin key, exports over OTLP, stops cleanly on Ctrl-C, and finds its incidents and workflows when started again', async () => {
    const first = await upAndReady();
    expect(first.output()).toContain(`${apiUrl}/docs`);
    expect(first.output()).toMatch(/Temporal UI\s+http:\/\/127\.0\.0\.1:\d+/);
    const key = /A new admin API key was created[^\n]*\n\s*\n\s+(\S+)/.exec(first.output())?.[1];
    expect(key).toBeDefined();
    adminKey = key;
    // Shown, so no longer kept in the data folder.
    expect(await readdir(dataDir)).not.toContain('unshown-admin-api-key');
    // Temporal's history is the stack's business alone, in a data folder other users may enter.
    const temporalFiles = (await readdir(dataDir)).filter((name) => name.startsWith('temporal.sqlite'));
    expect(temporalFiles).toContain('temporal.sqlite');
    for (const name of temporalFiles) expect({ name, mode: (await stat(join(dataDir, name))).mode & 0o777 }).toEqual({ name, mode: 0o600 });

    const sent = await request(key!, '/api/v1/alerts', { method: 'POST', body: JSON.stringify(alert()) });
    expect(sent.status).toBe(202);
    const [accepted] = ((await sent.json()) as { alerts: Array<{ incidentId: string; traceId: string }> }).alerts;
    await eventually(async () => {
      const detail = (await (await request(key!, `/api/v1/incidents/${accepted.incidentId}`)).json()) as { workflow: { available: boolean } };
      return detail.workflow.available ? true : undefined;
    }, 'the incident workflow running');
    // Batched exports arrive within seconds: the intake request's trace, from both processes.
    await eventually(async () => {
      const services = collector.servicesOf(accepted.traceId);
      return services.has('vigil-api') && services.has('vigil-worker') ? true : undefined;
    }, 'the alert trace at the OTLP collector');

    // What Ctrl-C must stop, seen by the same probe that checks nothing is left after.
    const started = (await processesUsing(dataDir)).map((found) => found.command).join('\n');
    for (const part of ['postgres', 'temporal', 'apps/worker', 'apps/api']) expect(started).toContain(part);
    // The apps hold only their own login, never the database owner's (who could rewrite the audit log).
    for (const app of (await processesUsing(dataDir)).filter((found) => /apps\/(api|worker)/.test(found.command))) {
      const environ = (await readFile(`/proc/${app.pid}/environ`, 'utf8')).split('\0');
      expect({ app: app.command, owner: environ.filter((entry) => entry.startsWith('DATABASE_OWNER_URL=')) }).toEqual({ app: app.command, owner: [] });
      expect(environ.some((entry) => entry.startsWith('DATABASE_URL=postgres://vigil:'))).toBe(true);
    }
    // The API answers this machine only, as PostgreSQL and Temporal do.
    expect(await listeningAddresses(Number(env.PORT))).toEqual(['127.0.0.1']);
    // A second `npm start` on the same folder is refused before it rebuilds the running stack's code.
    const refused = spawnSync('npm', ['start'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect({ status: refused.status, stderr: refused.stderr }).toEqual({ status: 1, stderr: expect.stringContaining(`another Vigil stack (pid `) });
    expect(refused.stdout).not.toContain('npm run build');
    expect((await fetch(`${apiUrl}/health/ready`)).status).toBe(200);
    expect(await ctrlC(first)).toMatch(CLEAN_STOP);
    expect(await processesUsing(dataDir)).toEqual([]);

    // A bad setting is named, in one line, before anything starts: by `npm start` before it rebuilds
    // (with a build there already, as here), and by the orchestrator it runs once built (a fresh clone).
    const refusedSetting = spawnSync('npm', ['start'], { cwd: REPO_ROOT, env: { ...env, VIGIL_ADMIN_API_KEY: 'short' }, encoding: 'utf8', timeout: 60_000 });
    expect({ status: refusedSetting.status, stderr: refusedSetting.stderr }).toEqual({
      status: 1,
      stderr: expect.stringContaining('[stack] invalid configuration: VIGIL_ADMIN_API_KEY: must be at least 24 characters\n'),
    });
    expect(refusedSetting.stdout).not.toContain('npm run build');
    // As are a port in use and a Temporal CLI that is not there: found before a build, not after it (or once PostgreSQL is up).
    const holder = createServer();
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
    try {
      const takenPort = (holder.address() as AddressInfo).port;
      for (const [setting, value, reason] of [
        ['PORT', String(takenPort), `PORT: port ${takenPort} on 127.0.0.1 is in use by another process; set PORT to another`],
        ['TEMPORAL_CLI_PATH', '/nonexistent/temporal', 'TEMPORAL_CLI_PATH=/nonexistent/temporal is not an executable file'],
        ['VIGIL_DATA_DIR', '/etc/hostname/vigil', "ENOTDIR: not a directory, stat '/etc/hostname/vigil'\nThe data folder /etc/hostname/vigil must be a folder, and a file is in its way: set VIGIL_DATA_DIR to another folder, or move that file."],
        // Node's mkdir never settles under /proc: the stack waited on it for good, deaf to Ctrl-C.
        ['VIGIL_DATA_DIR', '/proc/vigil', "VIGIL_DATA_DIR=/proc/vigil is on the kernel's proc filesystem (at /proc), which keeps no files: set VIGIL_DATA_DIR to another folder"],
      ]) {
        // SIGKILL once out of time: a stack that hangs would not heed npm's SIGTERM, and spawnSync would wait on it for good.
        const refused = spawnSync('npm', ['start'], { cwd: REPO_ROOT, env: { ...env, HOST: '127.0.0.1', [setting]: value }, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
        expect({ setting, status: refused.status, stderr: refused.stderr }).toEqual({ setting, status: 1, stderr: expect.stringContaining(`[stack] cannot start: ${reason}\n`) });
        expect(refused.stdout).not.toContain('npm run build');
      }
    } finally {
      holder.close();
    }
    const badSetting = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'tools', 'stack.js')], { env: { ...env, VIGIL_ADMIN_API_KEY: 'short' }, encoding: 'utf8', timeout: 30_000 });
    expect({ status: badSetting.status, stdout: badSetting.stdout, stderr: badSetting.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: '[stack] invalid configuration: VIGIL_ADMIN_API_KEY: must be at least 24 characters\n',
    });
    const onProc = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'tools', 'stack.js')], { env: { ...env, VIGIL_DATA_DIR: '/proc/vigil' }, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    expect({ status: onProc.status, stdout: onProc.stdout, stderr: onProc.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: "[stack] VIGIL_DATA_DIR=/proc/vigil is on the kernel's proc filesystem (at /proc), which keeps no files: set VIGIL_DATA_DIR to another folder\n",
    });
    // So are the apps run on their own (in production, under a supervisor).
    for (const app of ['api', 'worker']) {
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js')], { env: { ...env, DATABASE_URL: 'postgres://127.0.0.1/vigil', VIGIL_OUTBOX_POLL_MS: '1' }, encoding: 'utf8', timeout: 30_000 });
      expect({ app, status: run.status, stderr: run.stderr }).toEqual({ app, status: 1, stderr: 'invalid configuration: VIGIL_OUTBOX_POLL_MS: Too small: expected number to be >=10\n' });
    }
    // A PostgreSQL that refuses the login stops each app at once, in one JSON line that says why.
    const refusedLogin = Object.assign(new URL(testEnv('VIGIL_TEST_DATABASE_URL')), { password: 'not-the-password' }).href;
    for (const app of ['api', 'worker']) {
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js')], { env: { ...env, DATABASE_URL: refusedLogin, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 30_000 });
      const lines = `${run.stdout}${run.stderr}`.split('\n').filter(Boolean);
      expect({ app, status: run.status, lines }).toEqual({ app, status: 1, lines: [expect.any(String)] });
      expect(JSON.parse(lines[0])).toMatchObject({ level: 50, msg: expect.stringMatching(/PostgreSQL refused the connection: password authentication failed for user "\S+" \(SQLSTATE 28P01\); check DATABASE_URL$/) });
    }

    const second = await upAndReady();
    expect(second.output()).not.toContain('A new admin API key was created');
    // Nothing changed since the first start built dist/: kept as it is, not built again.
    expect(second.output()).toContain('[start] the build in dist/ is as new as the sources');
    expect(second.output()).not.toContain('npm run build');
    const detail = await request(key!, `/api/v1/incidents/${accepted.incidentId}`);
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ status: 'triggered', workflow: { available: true, execution: 'running', state: { status: 'triggered' } } });
    // The workflow carries on under the restarted worker, in the caller's trace.
    const ackTraceId = randomBytes(16).toString('hex');
    const acked = await request(key!, `/api/v1/incidents/${accepted.incidentId}/acknowledge`, {
      method: 'POST',
      body: '{}',
      headers: { traceparent: `00-${ackTraceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ status: 'acknowledged' });

    // Stopped at once, well before the next batched export: both processes flush their spans as they stop.
    // `kill -INT <npm pid>` this time: npm passes it on to the stack (through no /bin/sh, which would drop it).
    expect(await signalNpm(second, 'SIGINT')).toMatch(CLEAN_STOP);
    expect(await processesUsing(dataDir)).toEqual([]);
    expect(collector.servicesOf(ackTraceId)).toEqual(new Set(['vigil-api', 'vigil-worker']));
  });

  it('loses no accepted alert when every process is killed at once, mid-burst, with their workflow commands not yet delivered', async () => {
    const key = adminKey!;
    expect(key).toBeDefined();
    const crashed = await upAndReady();
    // Temporal frozen: the commands of the alerts accepted now stay queued in PostgreSQL's outbox.
    const temporal = (await processesUsing(dataDir)).find((found) => found.command.includes('temporal server start-dev'));
    expect(temporal).toBeDefined();
    process.kill(temporal!.pid, 'SIGSTOP');
    const send = async () => {
      const response = await request(key, '/api/v1/alerts', { method: 'POST', body: JSON.stringify(alert()) });
      return response.status === 202 ? ((await response.json()) as { alerts: Array<{ incidentId: string }> }).alerts[0].incidentId : undefined;
    };
    const accepted = await Promise.all(Array.from({ length: 10 }, send));
    // A second burst still in flight when the power goes: whatever of it was answered 202 must survive too.
    const inFlight = Array.from({ length: 20 }, () => send().catch(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const { pid } of await processesUsing(dataDir)) process.kill(pid, 'SIGKILL');
    await crashed.exited;
    running = undefined;
    const answered = [...accepted, ...(await Promise.all(inFlight))].filter((id): id is string => id !== undefined);
    expect(answered.length).toBeGreaterThanOrEqual(10);
    // A killed process lingers until the kernel has torn it down (a thread in disk I/O first finishes it).
    await eventually(async () => ((await processesUsing(dataDir)).length === 0 ? true : undefined), 'every killed process gone', 10_000);

    // PostgreSQL and Temporal recover from their own files; the outbox delivers what was never sent.
    const restarted = await upAndReady();
    for (const incidentId of answered) {
      await eventually(async () => {
        const detail = (await (await request(key, `/api/v1/incidents/${incidentId}`)).json()) as { workflow?: { available: boolean } };
        return detail.workflow?.available ? detail : undefined;
      }, `the workflow of incident ${incidentId}, accepted before the crash`, 60_000);
    }
    const verified = await request(key, '/api/v1/audit/verify');
    expect(await verified.json()).toMatchObject({ ok: true });
    // As a process manager stops it: SIGTERM to npm's pid alone.
    expect(await signalNpm(restarted, 'SIGTERM')).toMatch(CLEAN_STOP);
    expect(await processesUsing(dataDir)).toEqual([]);
  }, 240_000);
});

interface OtlpCollector {
  server: Server;
  url: string;
  /** The service.name of every resource that sent a span of `traceId`. */
  servicesOf(traceId: string): Set<string>;
}

interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value?: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ traceId?: string }> }>;
  }>;
}

/** A stand-in OpenTelemetry collector: keeps what arrives on POST /v1/traces (OTLP/HTTP JSON). */
async function startOtlpCollector(): Promise<OtlpCollector> {
  const received: OtlpTraceRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') received.push(JSON.parse(body) as OtlpTraceRequest);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const servicesOf = (traceId: string): Set<string> => {
    const services = new Set<string>();
    for (const resourceSpans of received.flatMap((request) => request.resourceSpans ?? [])) {
      const service = resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value?.stringValue;
      const spans = (resourceSpans.scopeSpans ?? []).flatMap((scope) => scope.spans ?? []);
      if (service && spans.some((span) => span.traceId === traceId)) services.add(service);
    }
    return services;
  };
  return { server, url: `http://127.0.0.1:${port}`, servicesOf };
}

/** The IPv4 and IPv6 addresses that listen on `port`, from the kernel's socket tables. */
async function listeningAddresses(port: number): Promise<string[]> {
  const LISTEN = '0A';
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, portHex] = local?.split(':') ?? [];
      if (state !== LISTEN || parseInt(portHex, 16) !== port) continue;
      addresses.push(address.length === 8 ? (address.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)).join('.') : `[${address}]`);
    }
  }
  return addresses;
}
