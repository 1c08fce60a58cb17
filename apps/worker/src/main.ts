import { telemetry } from './instrument';
import { NestFactory } from '@nestjs/core';
import { Logger } from '@nestjs/common';
import { Logger as PinoLogger } from 'nestjs-pino';
import { processConfig } from '../../../libs/config';
import { closeOnSignals } from '../../../libs/telemetry';
import { installTemporalRuntime } from './temporal-runtime';
import { TemporalWorkerService } from './temporal-worker.service';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = processConfig();
  installTemporalRuntime(config);
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config, telemetry), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(PinoLogger));
  closeOnSignals(app, telemetry, (message) => new Logger('vigil-worker').error(message));
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
  new Logger('vigil-worker').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
