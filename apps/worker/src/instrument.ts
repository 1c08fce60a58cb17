// Imported first by main.ts: the SDK must patch modules before they are loaded.
import { processConfigOrExit } from '../../../libs/config';
import { startTelemetry } from '../../../libs/telemetry';

const config = processConfigOrExit();
export const telemetry = startTelemetry({
  serviceName: config.otel.serviceName ?? 'vigil-worker',
  exporterEndpoint: config.otel.exporterEndpoint,
});
