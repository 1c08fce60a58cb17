import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { VigilConfig } from '../../../libs/config';

const LEVELS: Record<VigilConfig['logLevel'], LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

/** The Temporal SDK's own logs follow LOG_LEVEL like the rest of the worker. Call once, before any worker exists. */
export function installTemporalRuntime(config: VigilConfig): void {
  Runtime.install({ logger: new DefaultLogger(LEVELS[config.logLevel]) });
}
