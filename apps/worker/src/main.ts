import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { processConfig } from '../../../libs/config';
import { closeOnSignals, startLogger } from '../../../libs/telemetry';
import { installTemporalRuntime } from './temporal-runtime';
import { TemporalWorkerService } from './temporal-worker.service';
import { WorkerModule } from './worker.module';

const config = processConfig();
const logger = startLogger('vigil-worker', config.logLevel);

async function main(): Promise<void> {
  installTemporalRuntime(config);
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config, telemetry), { logger, bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(PinoLogger));
  closeOnSignals(app, telemetry, (message) => logger.error(message, 'vigil-worker'));
  // If the worker dies on its own (not by a shutdown signal), the process must not linger half-alive.
  app
    .get(TemporalWorkerService)
    .whenStopped()
    .catch(async () => {
      await app.close();
      await telemetry.shutdown();
      process.exit(1);
    });
}

main().catch((error: unknown) => {
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'vigil-worker');
  process.exit(1);
});
