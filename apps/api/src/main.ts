import { telemetry } from './instrument';
import { Logger } from '@nestjs/common';
import { processConfig } from '../../../libs/config';
import { closeOnSignals } from '../../../libs/telemetry';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = processConfig();
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const logger = new Logger('vigil-api');
  closeOnSignals(app, telemetry, (message) => logger.error(message));
  logger.log(`listening on ${config.publicUrl} (docs at ${config.publicUrl}/docs)`);
}

main().catch((error: unknown) => {
  new Logger('vigil-api').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
