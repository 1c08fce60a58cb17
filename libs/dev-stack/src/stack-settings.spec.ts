import { localApiUrl, readStackSettings } from './stack-settings';

describe('readStackSettings', () => {
  it('starts everything embedded under <repo>/.vigil by default', () => {
    const settings = readStackSettings({ HOME: '/home/dev' }, '/repo');
    expect(settings).toMatchObject({
      dataDir: '/repo/.vigil',
      cacheDir: '/home/dev/.cache/vigil',
      externalDatabase: undefined,
      externalTemporal: undefined,
      postgresPort: undefined,
      temporalNamespace: 'default',
      apiHost: '127.0.0.1',
    });
    expect(readStackSettings({ HOST: '0.0.0.0' }, '/repo').apiHost).toBe('0.0.0.0');
  });

  it('reaches the API from this machine at the address it binds, loopback for a wildcard one', () => {
    expect(localApiUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(localApiUrl('0.0.0.0', 3000)).toBe('http://127.0.0.1:3000');
    expect(localApiUrl('::', 3000)).toBe('http://127.0.0.1:3000');
    expect(localApiUrl('10.0.0.5', 3000)).toBe('http://10.0.0.5:3000');
    expect(localApiUrl('::1', 3000)).toBe('http://[::1]:3000');
  });

  it('refuses a DATABASE_OWNER_URL that is no PostgreSQL URL, and says which login the migrations use', () => {
    expect(() => readStackSettings({ DATABASE_URL: 'postgres://app@db/vigil', DATABASE_OWNER_URL: 'mysql://owner@db/vigil' }, '/repo')).toThrow(
      'invalid configuration: DATABASE_OWNER_URL: must be a postgres:// or postgresql:// URL',
    );
    expect(readStackSettings({ DATABASE_URL: 'postgres://app@db/vigil' }, '/repo').externalDatabase).toEqual({ url: 'postgres://app@db/vigil', ownerUrl: 'postgres://app@db/vigil', ownerSetting: 'DATABASE_URL' });
  });

  it('uses a given database and Temporal as they are', () => {
    const settings = readStackSettings(
      { DATABASE_URL: 'postgres://app@db/vigil', DATABASE_OWNER_URL: 'postgres://owner@db/vigil', TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_UI_URL: 'http://ui' },
      '/repo',
    );
    expect(settings.externalDatabase).toEqual({ url: 'postgres://app@db/vigil', ownerUrl: 'postgres://owner@db/vigil', ownerSetting: 'DATABASE_OWNER_URL' });
    expect(settings.externalTemporal).toEqual({ address: 'temporal:7233', uiUrl: 'http://ui', uiUrlGuessed: false });
    expect(readStackSettings({ TEMPORAL_ADDRESS: 'temporal:7233' }, '/repo').externalTemporal).toEqual({ address: 'temporal:7233', uiUrl: 'http://127.0.0.1:8233', uiUrlGuessed: true });
  });

  it('migrates as DATABASE_URL when no owner URL is given', () => {
    expect(readStackSettings({ DATABASE_URL: 'postgres://u@db/v' }, '/r').externalDatabase?.ownerUrl).toBe('postgres://u@db/v');
  });

  it.each([
    ['VIGIL_PG_PORT', 'postgresPort'],
    ['VIGIL_TEMPORAL_PORT', 'temporalPort'],
    ['VIGIL_TEMPORAL_UI_PORT', 'temporalUiPort'],
    ['PORT', 'apiPort'],
  ] as const)('reads %s as a port', (name, field) => {
    expect(readStackSettings({ [name]: '6543' }, '/r')[field]).toBe(6543);
    expect(() => readStackSettings({ [name]: 'abc' }, '/r')).toThrow(`${name}=abc is not a TCP port`);
    expect(() => readStackSettings({ [name]: '70000' }, '/r')).toThrow(name);
    // What Number() would take as another port.
    for (const written of ['0x1600', '1e3', ' 6543']) expect(() => readStackSettings({ [name]: written }, '/r')).toThrow(`${name}=${written} is not a TCP port`);
  });

  it('honours VIGIL_DATA_DIR, VIGIL_CACHE_DIR and XDG_CACHE_HOME', () => {
    expect(readStackSettings({ VIGIL_DATA_DIR: '/data', VIGIL_CACHE_DIR: '/cache' }, '/r')).toMatchObject({ dataDir: '/data', cacheDir: '/cache' });
    expect(readStackSettings({ XDG_CACHE_HOME: '/xdg' }, '/r').cacheDir).toBe('/xdg/vigil');
  });

  it('takes relative paths from the folder the user ran npm in (INIT_CWD), not the package root npm runs the script in', () => {
    const env = { INIT_CWD: '/home/dev/work', VIGIL_DATA_DIR: 'vigil-2', VIGIL_CACHE_DIR: '../cache', TEMPORAL_CLI_PATH: 'bin/temporal' };
    expect(readStackSettings(env, '/home/dev/work/vigil')).toMatchObject({
      dataDir: '/home/dev/work/vigil-2',
      cacheDir: '/home/dev/cache',
      temporalCliPath: '/home/dev/work/bin/temporal',
    });
  });
});
