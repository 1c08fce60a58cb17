import type { Telemetry } from './start-telemetry';

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * On the first shutdown signal: close the app (its shutdown hooks run), then flush and stop
 * telemetry, then die of the same signal. In place of Nest's `enableShutdownHooks`, which
 * re-raises the signal as soon as the app is closed, before the last batch of spans (the
 * shutdown's own included) has been exported.
 */
export function closeOnSignals(app: { close(): Promise<void> }, telemetry: Telemetry, logError: (message: string) => void): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    for (const name of SHUTDOWN_SIGNALS) process.removeListener(name, onSignal);
    const report = (step: string) => (error: unknown) => logError(`${step} failed while stopping on ${signal}: ${String(error)}`);
    void app
      .close()
      .catch(report('closing the app'))
      .then(() => telemetry.shutdown())
      .catch(report('flushing telemetry'))
      .finally(() => process.kill(process.pid, signal));
  };
  for (const name of SHUTDOWN_SIGNALS) process.on(name, onSignal);
}
