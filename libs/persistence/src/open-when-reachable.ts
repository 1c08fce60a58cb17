import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { errorChain } from '../../errors';
import { isDatabaseUnavailable } from './database-unavailable';
import { postgresErrorOf } from './sqlstate';
import { openAppDataSource } from './unsettled-connections';

export interface WaitOptions {
  /** Told why PostgreSQL cannot be reached: on the first failure, then every `repeatMs` while it lasts. */
  onWaiting: (message: string) => void;
  retryMs?: number;
  repeatMs?: number;
}

/**
 * The apps' DataSource, once PostgreSQL can be reached. While it cannot (not started yet, restarting,
 * its host not resolvable yet) the app waits and says why, as the worker waits for Temporal, rather
 * than exit: the order in which an orchestrator starts things then does not matter. Anything else,
 * such as a refused password or a missing database, still fails the start at once.
 */
export async function openWhenReachable(options: DataSourceOptions, { onWaiting, retryMs = 1_000, repeatMs = 10_000 }: WaitOptions): Promise<DataSource> {
  let toldAt: number | undefined;
  for (;;) {
    try {
      return await openAppDataSource(options);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw refusedOrAsIs(error);
      if (toldAt === undefined || Date.now() - toldAt >= repeatMs) {
        toldAt = Date.now();
        onWaiting(`PostgreSQL (DATABASE_URL) cannot be reached: ${firstReason(error)}; waiting for it, trying again every ${retryMs / 1000} s`);
      }
      await sleep(retryMs);
    }
  }
}

/** The innermost message an error chain carries (pg's own, not TypeORM's wrapper), or its code. */
function firstReason(error: unknown): string {
  const links = [...errorChain(error)].reverse();
  const withMessage = links.find((link) => typeof link.message === 'string' && link.message !== '');
  if (withMessage) return withMessage.message as string;
  const withCode = links.find((link) => typeof link.code === 'string');
  return withCode ? (withCode.code as string) : String(error);
}

/** PostgreSQL refused the app (a wrong password, no such database or role): a setting to fix, told in one line. */
export class DatabaseRefusedError extends Error {
  constructor(reason: string, sqlstate: string) {
    super(`PostgreSQL refused the connection: ${reason} (SQLSTATE ${sqlstate}); check DATABASE_URL`);
    this.name = 'DatabaseRefusedError';
    // Logged at a failed start; pg's stack (its protocol parser) would only bury the reason.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** An error PostgreSQL itself sent (one with a SQLSTATE) as a DatabaseRefusedError. */
function refusedOrAsIs(error: unknown): unknown {
  const refusal = postgresErrorOf(error);
  return refusal ? new DatabaseRefusedError(refusal.message, refusal.code) : error;
}
