import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Logger } from 'nestjs-pino';
import { VigilConfig } from '../../config';
import { dataSourceOptions } from './data-source-options';
import { openWhenReachable } from './open-when-reachable';

/**
 * The app's DataSource, connected as DATABASE_URL (the `vigil_app` role), closed on shutdown by Nest.
 * While PostgreSQL cannot be reached the start waits for it, saying so through pino directly: Nest's
 * own logger holds its lines back until the app is created.
 */
@Module({})
export class PersistenceModule {
  static forRoot(): DynamicModule {
    let logger: Logger | undefined;
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [VigilConfig, Logger],
          useFactory: (config: VigilConfig, appLogger: Logger) => {
            logger = appLogger;
            return { ...dataSourceOptions(config.database.url, config.database.poolSize, config.database.queryTimeoutMs), retryAttempts: 0, toRetry: () => false };
          },
          dataSourceFactory: (options) => openWhenReachable(options!, { onWaiting: (message) => logger?.warn(message, 'PostgreSQL') }),
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
