import { Logger, LoggerModule, PinoLogger, type Params } from 'nestjs-pino';
import type { DynamicModule, LoggerService } from '@nestjs/common';
import { activeTraceIds } from './trace-ids';

/**
 * JSON logs (pino, through nestjs-pino so Nest's own logs go the same way) with the active trace
 * and span id on every line, so a log line leads to its trace. Request lines are left to metrics
 * and traces: at thousands of alerts/s they would cost more than they tell. For the same reason
 * pino-http's per-request middleware is not installed (`forRoutes: []`): a child logger per
 * request measured at 40 % of a trivial request; the trace ids on each line do its job.
 */
export function loggerModule(name: string, level: string): DynamicModule {
  return LoggerModule.forRoot(loggerParams(name, level));
}

/**
 * The same JSON logger, at the same level, for while Nest starts (before the module's own can be
 * had): no line comes out in Nest's text format, nor below LOG_LEVEL. Nest's own report of a start
 * that failed (context `ExceptionHandler`) is left out: the app says why it failed, once.
 */
export function startLogger(name: string, level: string): LoggerService {
  const params = loggerParams(name, level);
  const logger = new Logger(new PinoLogger(params), params);
  return {
    log: (message, ...rest) => logger.log(message, ...rest),
    warn: (message, ...rest) => logger.warn(message, ...rest),
    debug: (message, ...rest) => logger.debug(message, ...rest),
    verbose: (message, ...rest) => logger.verbose(message, ...rest),
    fatal: (message, ...rest) => logger.fatal(message, ...rest),
    error: (message, ...rest) => {
      if (rest.at(-1) !== 'ExceptionHandler') logger.error(message, ...rest);
    },
  };
}

function loggerParams(name: string, level: string): Params {
  return {
    forRoutes: [],
    pinoHttp: {
      name,
      level,
      autoLogging: false,
      quietReqLogger: true,
      mixin() {
        const { traceId, spanId } = activeTraceIds();
        return traceId ? { traceId, spanId } : {};
      },
    },
  };
}
