import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../libs/dev-stack';
import { CLEAN_STOP, NpmStart, processesUsing, withoutVigilSettings } from './support/npm-start';
import { inDatabase } from './support/test-database';
import { testEnv } from './support/test-env';
import { alert, eventually, ownerQuery, TestTemporal } from './support/vigil-harness';

/**
 * "Running against an existing Temporal cluster and PostgreSQL" (README): with `DATABASE_URL`,
 * `DATABASE_OWNER_URL`, `TEMPORAL_ADDRESS` and `VIGIL_ADMIN_API_KEY` set, `npm start` migrates the
 * given (empty) database, starts no PostgreSQL or Temporal of its own, runs incidents on the given
 * server, and Ctrl-C stops only what it started.
 */
describe('npm start against an existing Temporal and PostgreSQL', () => {
  const database = `vigil_existing_${randomBytes(6).toString('hex')}`;
  const adminKey = `vgl_${randomBytes(24).toString('base64url')}`;
  let temporal: TestTemporal;
  let client: Client;
  let dataDir: string;
  let running: NpmStart | undefined;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
    client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    await ownerQuery(`CREATE DATABASE ${database}`);
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-npm-start-existing-'));
  });
  afterAll(async () => {
    await running?.stop();
    await client?.connection.close();
    await temporal?.stop();
    await ownerQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('migrates the given database, runs incidents on the given Temporal, starts neither, and Ctrl-C leaves both running', async () => {
    const apiUrl = `http://127.0.0.1:${await findFreePort()}`;
    // The given Temporal is not up yet when the stack starts: the worker says so, and waits for it.
    await temporal.stop({ holdPort: true });
    const waitingWorker = async (starting: NpmStart) => {
      await eventually(async () => (/"msg":"Temporal at \S+ unreachable, retrying/.test(starting.output()) ? true : undefined), 'the worker saying Temporal is unreachable', 120_000);
      await temporal.resume();
    };
    running = await NpmStart.upAndReady(
      {
        ...withoutVigilSettings(process.env),
        VIGIL_DATA_DIR: dataDir,
        PORT: new URL(apiUrl).port,
        DATABASE_URL: inDatabase(testEnv('VIGIL_TEST_DATABASE_URL'), database),
        DATABASE_OWNER_URL: inDatabase(testEnv('VIGIL_TEST_DATABASE_OWNER_URL'), database),
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_UI_URL: temporal.uiUrl,
        VIGIL_ADMIN_API_KEY: adminKey,
      },
      apiUrl,
      waitingWorker,
    );
    expect(running.output()).toMatch(new RegExp(`Temporal UI\\s+${temporal.uiUrl}\\n\\s+Temporal gRPC\\s+${temporal.address}\\n`));
    expect(running.output()).not.toContain('A new admin API key was created');
    const started = (await processesUsing(dataDir)).map((found) => found.command).join('\n');
    for (const part of ['apps/worker', 'apps/api']) expect(started).toContain(part);
    for (const part of ['postgres', 'start-dev']) expect(started).not.toContain(part);

    const service = `ledger-${randomBytes(4).toString('hex')}`;
    const sent = await fetch(`${apiUrl}/api/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(alert({ labels: { service } })),
    });
    expect(sent.status).toBe(202);
    const [accepted] = ((await sent.json()) as { alerts: Array<{ incidentId: string; workflowId: string; temporalUiUrl: string }> }).alerts;
    expect(accepted.temporalUiUrl).toBe(`${temporal.uiUrl}/namespaces/default/workflows/${accepted.workflowId}`);
    // On the given server, findable by Vigil's search attributes.
    const listed = await eventually(async () => {
      for await (const execution of client.workflow.list({ query: `VigilService="${service}" AND VigilStatus="triggered"` })) return execution;
      return undefined;
    }, 'the incident workflow on the given Temporal server');
    expect(listed).toMatchObject({ workflowId: accepted.workflowId, status: { name: 'RUNNING' } });

    expect(await running.ctrlC()).toMatch(CLEAN_STOP);
    running = undefined;
    expect(await processesUsing(dataDir)).toEqual([]);
    // Both kept running, with what Vigil stored.
    expect((await client.workflow.getHandle(accepted.workflowId).describe()).status.name).toBe('RUNNING');
    const incidents = await ownerQuery<{ id: string }>(`SELECT id FROM incidents`, [], inDatabase(testEnv('VIGIL_TEST_DATABASE_OWNER_URL'), database));
    expect(incidents).toEqual([{ id: accepted.incidentId }]);
  });
});
