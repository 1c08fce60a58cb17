import { VigilConfig } from '../../../libs/config';
import { temporalRuntimeOptions } from './temporal-runtime';

describe('the Temporal runtime of the worker', () => {
  const config = VigilConfig.fromEnv({ DATABASE_URL: 'postgres://vigil@127.0.0.1:5432/vigil', LOG_LEVEL: 'warn' });

  it('takes no shutdown signal, so SIGTERM still ends a worker that is still connecting (Vigil drains it once running)', () => {
    expect(temporalRuntimeOptions(config).shutdownSignals).toEqual([]);
  });
});
