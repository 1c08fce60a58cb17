import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log warnings and errors only; the INFO state-change chatter hides real failures.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed by an earlier test file in this Jest worker process.
}
