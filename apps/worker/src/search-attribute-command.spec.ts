import { VigilConfig } from '../../../libs/config';
import { VigilService, VigilStatus } from '../../../libs/contracts';
import { searchAttributeCreateCommand } from './search-attribute-command';

const base = { DATABASE_URL: 'postgres://vigil@db/vigil' };

describe('searchAttributeCreateCommand', () => {
  it("names the worker's own cluster and namespace, so the CLI does not register them on its default server", () => {
    const { temporal } = VigilConfig.fromEnv({ ...base, TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'oncall' });
    expect(searchAttributeCreateCommand(temporal, [VigilService, VigilStatus])).toBe(
      'temporal operator search-attribute create --address temporal.internal:7233 --namespace oncall --name VigilService --type Keyword --name VigilStatus --type Keyword',
    );
  });

  it('carries the TLS settings, quotes what the shell would split, and leaves an API key to the shell', () => {
    const { temporal } = VigilConfig.fromEnv({ ...base, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key', TEMPORAL_TLS_SERVER_NAME: "it's.example" });
    const command = searchAttributeCreateCommand(temporal, [VigilStatus]);
    expect(command).toBe(`temporal operator search-attribute create --address ns.acct.tmprl.cloud:7233 --namespace default --tls --tls-server-name 'it'\\''s.example' --api-key "$TEMPORAL_API_KEY" --name VigilStatus --type Keyword`);
    expect(command).not.toContain('secret-key');
  });
});
