import { telemetry } from './instrument';
import { Logger } from '@nestjs/common';
import { processConfig } from '../../../libs/config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = processConfig();
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  new Logger('vigil-api').log(`listening on ${config.publicUrl} (docs at ${config.publicUrl}/docs)`);
  process.once('beforeExit', () => void telemetry.shutdown());
}

main().catch((error: unknown) => {
  new Logger('vigil-api').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
