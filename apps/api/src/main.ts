import { telemetry } from './instrument';
import { processConfig } from '../../../libs/config';
import { closeOnSignals, startLogger } from '../../../libs/telemetry';
import { createApp } from './create-app';

const config = processConfig();
const logger = startLogger('vigil-api', config.logLevel);

async function main(): Promise<void> {
  const app = await createApp(config, logger);
  await app.listen({ port: config.port, host: config.host });
  closeOnSignals(app, telemetry, (message) => logger.error(message, 'vigil-api'));
  logger.log(`listening on ${config.publicUrl} (docs at ${config.publicUrl}/docs)`, 'vigil-api');
}

main().catch((error: unknown) => {
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error), 'vigil-api');
  process.exit(1);
});
