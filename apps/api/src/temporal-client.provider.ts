import { Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { VigilConfig } from '../../../libs/config';
import { createTemporalClient } from '../../../libs/temporal';

/** The Temporal client, injectable as `Client`; its connection opens lazily on first use. */
export const temporalClientProvider: Provider = {
  provide: Client,
  inject: [VigilConfig],
  useFactory: (config: VigilConfig) => createTemporalClient(config),
};

@Injectable()
export class TemporalClientCloser implements OnApplicationShutdown {
  constructor(private readonly client: Client) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.connection.close();
  }
}
