import { DefaultLogger, Runtime, type LogLevel, type RuntimeOptions } from '@temporalio/worker';
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
 *
 * Signals stay Vigil's: the SDK's own handlers would only shut down running workers, and while
 * the worker is still connecting they would swallow SIGTERM, leaving the process up. Until Vigil's
 * handler is installed (once the app has bootstrapped) a signal ends the process at once; after, a
 * worker still connecting gives up and a running one drains.
 */
export function installTemporalRuntime(config: VigilConfig): void {
  Runtime.install(temporalRuntimeOptions(config));
}

export function temporalRuntimeOptions(config: VigilConfig): RuntimeOptions {
  const logger = pino({ name: 'temporal-sdk', level: config.logLevel });
  return {
    logger: new DefaultLogger(SDK_LEVELS[config.logLevel], (entry) => logger[PINO_METHODS[entry.level]]({ ...entry.meta }, entry.message)),
    shutdownSignals: [],
  };
}
