import { FAST_SQLITE_PRAGMAS, temporalDevServerArgs } from './temporal-dev-server';

describe('temporalDevServerArgs', () => {
  it('binds to 127.0.0.1, persists to the file and registers the search attributes', () => {
    const args = temporalDevServerArgs({ cliPath: 'temporal', port: 7233, uiPort: 8233, dbFilename: '/data/t.sqlite', sqlitePragmas: FAST_SQLITE_PRAGMAS, log: () => undefined });
    expect(args.join(' ')).toBe(
      'server start-dev --ip 127.0.0.1 --port 7233 --ui-port 8233 --db-filename /data/t.sqlite --namespace default ' +
        '--search-attribute VigilSeverity=Keyword --search-attribute VigilService=Keyword --search-attribute VigilStatus=Keyword ' +
        '--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal --log-level warn',
    );
  });

  it('keeps everything in memory without a file', () => {
    expect(temporalDevServerArgs({ cliPath: 'temporal', port: 1, uiPort: 2, log: () => undefined })).not.toContain('--db-filename');
  });
});
