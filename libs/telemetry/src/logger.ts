import pino, { type Logger } from 'pino';
import { activeTraceIds } from './trace-ids';

/** JSON logs with the active trace and span id on every line, so a log line leads to its trace. */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    mixin() {
      const { traceId, spanId } = activeTraceIds();
      return traceId ? { traceId, spanId } : {};
    },
  });
}
