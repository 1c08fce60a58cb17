import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VigilConfig } from '../../config';
import { dataSourceOptions } from './data-source-options';
import { openAppDataSource } from './unsettled-connections';

/** The app's DataSource, connected as DATABASE_URL (the `vigil_app` role), closed on shutdown by Nest. */
@Module({})
export class PersistenceModule {
  static forRoot(): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [VigilConfig],
          useFactory: (config: VigilConfig) => ({
            ...dataSourceOptions(config.database.url, config.database.poolSize, config.database.queryTimeoutMs),
            retryAttempts: 0,
          }),
          dataSourceFactory: (options) => openAppDataSource(options!),
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
