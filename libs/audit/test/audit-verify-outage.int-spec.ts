import { DataSource } from 'typeorm';
import { dataSourceOptions, openAppDataSource } from '../../persistence';
import { AuditLog } from '../index';
import { freezeOutagePostgres, withOutagePostgres } from '../../../test/support/postgres-control';
import { eventually } from '../../../test/support/vigil-harness';

describe('audit verify when PostgreSQL stops answering', () => {
  it('hands its connection back, so that verify works again once PostgreSQL answers', async () => {
    await withOutagePostgres(async (cluster) => {
      // One connection, as the app opens them (a statement unanswered after 1.5 s fails).
      const dataSource: DataSource = await openAppDataSource(dataSourceOptions(cluster.appUrl, 1, 500));
      try {
        const audit = new AuditLog(dataSource);
        expect(await audit.verify()).toMatchObject({ ok: true });

        const thaw = await freezeOutagePostgres();
        const wakeAnyway = setTimeout(thaw, 30_000);
        try {
          await expect(audit.verify()).rejects.toThrow(/timeout/i);
        } finally {
          clearTimeout(wakeAnyway);
          thaw();
        }

        // A connection kept by the failed verify would leave none to lend: every later one times out.
        expect(await eventually(() => audit.verify().catch(() => undefined), 'verify answering again')).toMatchObject({ ok: true });
      } finally {
        await dataSource.destroy();
      }
    });
  });
});
