import type { AuditLog } from '../../../libs/audit';
import { VigilConfig } from '../../../libs/config';
import { AuditCheckpointerService } from './audit-checkpointer.service';

describe('AuditCheckpointerService', () => {
  afterEach(() => jest.useRealTimers());

  it('starts no checkpoint while the last one is still running, and the next one once it is done', async () => {
    jest.useFakeTimers();
    const finishers: Array<() => void> = [];
    const auditLog = { checkpoint: jest.fn(() => new Promise<void>((resolve) => finishers.push(resolve))) };
    const config = VigilConfig.fromEnv({ DATABASE_URL: 'postgres://vigil@127.0.0.1/vigil', VIGIL_AUDIT_CHECKPOINT_MS: '1000' });
    const checkpointer = new AuditCheckpointerService(config, auditLog as unknown as AuditLog);
    checkpointer.onApplicationBootstrap();
    try {
      await jest.advanceTimersByTimeAsync(5_000);
      expect(auditLog.checkpoint).toHaveBeenCalledTimes(1);

      finishers[0]();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(auditLog.checkpoint).toHaveBeenCalledTimes(2);
    } finally {
      finishers.forEach((finish) => finish());
      await checkpointer.beforeApplicationShutdown();
    }
  });

  it('waits on shutdown for a checkpoint under way, and starts no more', async () => {
    jest.useFakeTimers();
    let finish = () => {};
    const auditLog = { checkpoint: jest.fn(() => new Promise<void>((resolve) => (finish = resolve))) };
    const config = VigilConfig.fromEnv({ DATABASE_URL: 'postgres://vigil@127.0.0.1/vigil', VIGIL_AUDIT_CHECKPOINT_MS: '1000' });
    const checkpointer = new AuditCheckpointerService(config, auditLog as unknown as AuditLog);
    checkpointer.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(1_000);

    let stopped = false;
    const stopping = checkpointer.beforeApplicationShutdown().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(auditLog.checkpoint).toHaveBeenCalledTimes(1);
  });
});
