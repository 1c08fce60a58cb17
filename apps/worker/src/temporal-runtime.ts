import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import pino from 'pino';
import type { VigilConfig } from '../../../libs/config';

const SDK_LEVELS: Record<VigilConfig['logLevel'], LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

const PINO_METHODS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal SDK's own logs (worker state, retries) go out as the same one-line JSON as the
 * rest of the worker, at LOG_LEVEL. Call once, before any worker exists.
 */
export function installTemporalRuntime(config: VigilConfig): void {
  const logger = pino({ name: 'temporal-sdk', level: config.logLevel });
  Runtime.install({
    logger: new DefaultLogger(SDK_LEVELS[config.logLevel], (entry) => logger[PINO_METHODS[entry.level]]({ ...entry.meta }, entry.message)),
  });
}
