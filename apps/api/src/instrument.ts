// Imported first by main.ts: the SDK must patch http and pg before they are loaded.
import { processConfigOrExit } from '../../../libs/config';
import { startTelemetry } from '../../../libs/telemetry';

const config = processConfigOrExit();
export const telemetry = startTelemetry({
  serviceName: config.otel.serviceName ?? 'vigil-api',
  exporterEndpoint: config.otel.exporterEndpoint,
  instrumentHttp: false,
});
