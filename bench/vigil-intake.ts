import { sleep } from '../libs/dev-stack';
import { alertBody, cyclingAlertnames, uniqueAlertnames } from './alert-body';
import { runLoad, type LoadResult } from './load';
import { log } from './log';
import type { Progress, VigilProgress } from './vigil-progress';

export const ALERTS_PATH = '/api/v1/alerts';
const POLL_MS = 200;

export interface IntakeTarget {
  apiUrl: string;
  headers: Record<string, string>;
  progress: VigilProgress;
  connections: number;
  signal: AbortSignal;
}

export interface DuplicatesResult {
  openIncidents: number;
  load: LoadResult;
}

export interface NewIncidentsResult {
  load: LoadResult;
  /** Incidents opened by the phase, counted in PostgreSQL (includes requests cut off when the load stopped). */
  created: number;
  /** Outbox rows still undelivered when the load stopped. */
  backlogAtLoadEnd: number;
  /** Workflows started while the load ran, per second of load. */
  startedDuringLoadPerSec: number;
  /** From the load's start until the outbox was empty: every workflow started in Temporal. */
  allStartedSec: number | null;
  /** From the load's start until every incident's workflow had run its first activity. */
  allPickedUpSec: number | null;
  /** What was left when the wait gave up (null when nothing was). */
  leftWhenGaveUp: Progress | null;
  /** Seconds from the load's start until the wait ended (all picked up, or gave up). */
  waitedSec: number;
  /** Workflows started per second from the load's start until all were (or the wait gave up): the rate the stack sustains end to end. */
  endToEndPerSec: number;
  /** Workflows started when the wait ended (all of them, unless it gave up). */
  started: number;
  /** Incidents picked up by the worker / waitedSec (= created / allPickedUpSec when all were). */
  pickedUpPerSec: number;
}

/** Opens `count` incidents (one POST each) and waits until every one's workflow has run. */
export async function seedOpenIncidents(target: IntakeTarget, prefix: string, count: number): Promise<void> {
  const names = cyclingAlertnames(prefix, count);
  const post = async (): Promise<void> => {
    const response = await fetch(`${target.apiUrl}${ALERTS_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: alertBody(names()),
      signal: target.signal,
    });
    if (response.status !== 202) throw new Error(`seeding an incident: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  for (let sent = 0; sent < count; sent += 20) await Promise.all(Array.from({ length: Math.min(20, count - sent) }, post));
  await waitFor(target, 60_000, (p) => p.backlog === 0 && p.notPickedUp === 0, `the ${count} seeded incidents' workflows`);
}

/**
 * Repeats of already-open incidents (PostgreSQL only, never Temporal): a load to run for a given
 * time, as often as wanted, carrying on through the same `openIncidents` alertnames.
 */
export function duplicatesLoad(target: IntakeTarget, prefix: string, openIncidents: number): (durationSec: number) => Promise<LoadResult> {
  const names = cyclingAlertnames(prefix, openIncidents);
  return (durationSec) =>
    runLoad({ url: target.apiUrl, path: ALERTS_PATH, headers: target.headers, connections: target.connections, signal: target.signal, durationSec, nextBody: () => alertBody(names()) });
}

/**
 * A new fingerprint per request for `durationSec`, then polls PostgreSQL until every incident's
 * workflow is started (outbox empty) and picked up by the worker, or `maxWaitSec` after the load.
 */
export async function measureNewIncidents(
  target: IntakeTarget,
  prefix: string,
  durationSec: number,
  maxWaitSec: number,
  onLoadEnd: () => void = () => undefined,
): Promise<NewIncidentsResult> {
  const before = await target.progress.read();
  const names = uniqueAlertnames(prefix);
  const began = performance.now();
  const load = await runLoad({ url: target.apiUrl, path: ALERTS_PATH, headers: target.headers, connections: target.connections, durationSec, signal: target.signal, nextBody: () => alertBody(names()) });
  onLoadEnd();
  const atLoadEnd = await target.progress.read();
  log(`new incidents: load done, ${atLoadEnd.backlog} workflow start(s) still queued in the outbox, ${atLoadEnd.notPickedUp} not yet picked up; waiting`);

  const elapsed = (): number => (performance.now() - began) / 1000;
  let allStartedSec: number | null = null;
  let allPickedUpSec: number | null = null;
  let last = atLoadEnd;
  const giveUpAt = performance.now() + maxWaitSec * 1000;
  while (performance.now() < giveUpAt) {
    target.signal.throwIfAborted();
    last = await target.progress.read();
    if (allStartedSec === null && last.backlog === 0) allStartedSec = elapsed();
    if (last.backlog === 0 && last.notPickedUp === 0) {
      allPickedUpSec = elapsed();
      break;
    }
    await sleep(POLL_MS, target.signal);
  }
  const waitedSec = allPickedUpSec ?? elapsed();
  const created = last.incidents - before.incidents;
  return {
    load,
    created,
    backlogAtLoadEnd: atLoadEnd.backlog,
    startedDuringLoadPerSec: (atLoadEnd.incidents - before.incidents - atLoadEnd.backlog) / load.durationSec,
    allStartedSec,
    allPickedUpSec,
    leftWhenGaveUp: allPickedUpSec === null ? last : null,
    waitedSec,
    endToEndPerSec: (created - last.backlog) / (allStartedSec ?? waitedSec),
    started: created - last.backlog,
    pickedUpPerSec: (created - last.notPickedUp) / waitedSec,
  };
}

async function waitFor(target: IntakeTarget, timeoutMs: number, done: (p: Progress) => boolean, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const progress = await target.progress.read();
    if (done(progress)) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(progress)}`);
    await sleep(POLL_MS, target.signal);
  }
}
