import type { Socket } from 'node:net';
import { openSocket, readAll } from './support/raw-http';
import { alert, TestTemporal, Vigil } from './support/vigil-harness';

interface Answer {
  status: number | 'no answer';
  alertIds: string[];
  contentType: string | null;
  retryAfter: string | null;
}

/**
 * Stopping the API while senders keep sending (a rolling restart, Ctrl-C under load): it stops
 * taking requests, answers every one it took, and only then lets go of PostgreSQL.
 */
describe('the API stopping under load', () => {
  let temporal: TestTemporal;
  let vigil: Vigil;

  beforeAll(async () => {
    temporal = await TestTemporal.start();
  });
  beforeEach(async () => {
    vigil = await Vigil.start({ temporalAddress: temporal.address, worker: false });
  });
  afterEach(async () => {
    await vigil?.stop();
  });
  afterAll(async () => {
    await temporal?.stop();
  });

  /** A connection with the start of a request sent; the rest is the caller's to write. */
  async function halfRequest(start: string): Promise<{ socket: Socket; answer: Promise<string> }> {
    const socket = await openSocket(vigil.url);
    const answer = readAll(socket);
    socket.write(start);
    return { socket, answer };
  }

  /** Sends alerts one after another until an answer is not a 202. */
  async function sender(answers: Answer[]): Promise<void> {
    for (;;) {
      let answer: Answer;
      try {
        const response = await vigil.json('/api/v1/alerts', { body: alert() });
        answer = {
          status: response.status,
          alertIds: response.status === 202 ? response.body.alerts.map((a: { alertId: string }) => a.alertId) : [],
          contentType: response.headers.get('content-type'),
          retryAfter: response.headers.get('retry-after'),
        };
      } catch {
        // The connection closed before an answer (the sender cannot know, and retries).
        answer = { status: 'no answer', alertIds: [], contentType: null, retryAfter: null };
      }
      answers.push(answer);
      if (answer.status !== 202) return;
    }
  }

  it('answers every request it took, 202 only for stored alerts and 503 problem+json with Retry-After for the rest, and stores nothing unanswered', async () => {
    // A connection left idle would now hold the close past the test's own timeout: it must be
    // closed with its last answer instead (Fastify's default keep-alive is 72 s).
    vigil.api.getHttpServer().keepAliveTimeout = 600_000;
    const answers: Answer[] = [];
    const senders = Array.from({ length: 30 }, () => sender(answers));
    while (answers.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));

    await vigil.api.close();
    await Promise.all(senders);

    // Each sender stops at its first answer that is not a 202.
    const refused = answers.filter((a) => a.status !== 202);
    for (const answer of refused) {
      if (answer.status === 'no answer') continue;
      expect(answer).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
      expect(answer.contentType).toContain('application/problem+json');
    }
    const accepted = answers.flatMap((a) => a.alertIds);
    const stored = await vigil.ownerQuery<{ id: string }>(`SELECT id FROM alerts`);
    expect(stored.map((row) => row.id).sort()).toEqual(accepted.sort());
  });

  it("answers a request under way when the stop begins, and delivers its alert's workflow command before letting go of Temporal", async () => {
    const body = JSON.stringify(alert());
    const half = Math.floor(body.length / 2);
    // The whole head, half the body: the request is taken, and its body is still on its way.
    const intake = await halfRequest(
      `POST /api/v1/alerts HTTP/1.1\r\nHost: vigil\r\nAuthorization: Bearer ${vigil.adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closed = vigil.api.close();
    const server = vigil.api.getHttpServer();
    while (server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    intake.socket.write(body.slice(half));

    const [head, payload] = (await intake.answer).split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 202 /);
    await closed;
    const [{ incidentId, workflowId }] = JSON.parse(payload).alerts;
    const [command] = await vigil.ownerQuery(`SELECT dispatched_at FROM workflow_outbox WHERE incident_id = $1`, [incidentId]);
    expect(command.dispatched_at).not.toBeNull();
    expect((await vigil.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
  });

  it('refuses a request that arrives once it is closing with 503 problem+json, Retry-After and Connection: close, and stores nothing of it', async () => {
    const body = JSON.stringify(alert());
    // Half a request when the close begins: its connection is not idle, so it is not closed.
    const intake = await halfRequest(`POST /api/v1/alerts HTTP/1.1\r\nHost: vigil\r\n`);
    // A readiness probe too: its 503 while closing is a problem, not the readiness report.
    const probe = await halfRequest(`GET /health/ready HTTP/1.1\r\nHost: vigil\r\n`);
    const closed = vigil.api.close();
    const server = vigil.api.getHttpServer();
    while (server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    intake.socket.write(`Authorization: Bearer ${vigil.adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    probe.socket.write('\r\n');

    for (const [method, path, answer] of [['POST', '/api/v1/alerts', intake.answer], ['GET', '/health/ready', probe.answer]] as const) {
      const [head, payload] = (await answer).split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(head).toMatch(/\r\nretry-after: \d+\r\n/i);
      expect(head).toMatch(/\r\nconnection: close\r\n/i);
      expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
      expect(JSON.parse(payload)).toMatchObject({ status: 503, title: 'This server is shutting down' });
      vigil.checkOpenApi({ method, path, status: 503, contentType: /\r\ncontent-type: ([^\r]*)/i.exec(head)![1], body: payload });
    }
    await closed;
    expect(await vigil.ownerQuery(`SELECT id FROM alerts`)).toEqual([]);
  });

  it('hands back the workflow commands it holds but has not sent, for another process to send at once rather than after their lease', async () => {
    await vigil.stop();
    // One delivery at a time, and Temporal not answering: the others wait in this process's queue.
    vigil = await Vigil.start({ temporalAddress: temporal.address, worker: false, env: { VIGIL_OUTBOX_CONCURRENCY: '1' } });
    temporal.freeze();
    try {
      const sent = await vigil.json('/api/v1/alerts', { body: [alert(), alert(), alert(), alert()] });
      expect(sent.status).toBe(202);
      await vigil.api.close();
    } finally {
      temporal.thaw();
    }
    // Leased for 15 s at commit; the one under way when the stop began got a retry time of its own.
    const commands = await vigil.ownerQuery(`SELECT next_attempt_at <= now() AS free FROM workflow_outbox WHERE dispatched_at IS NULL`);
    expect(commands.map((c) => c.free).sort()).toEqual([false, true, true, true]);
  });

  it("stops right after its very first alert, while that alert's workflow command is still on its way to Temporal, and delivers the command first", async () => {
    const sent = await vigil.json('/api/v1/alerts', { body: alert() });
    expect(sent.status).toBe(202);
    // At once: the Temporal connection is still being opened for the delivery. (It used to close
    // under the delivery, which then never settled, and the close waited for it for good.)
    await vigil.api.close();
    const [{ incidentId, workflowId }] = sent.body.alerts;
    const [command] = await vigil.ownerQuery(`SELECT dispatched_at FROM workflow_outbox WHERE incident_id = $1`, [incidentId]);
    expect(command.dispatched_at).not.toBeNull();
    expect((await vigil.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
  });
});
