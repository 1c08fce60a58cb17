import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../../libs/audit';
import { ConfigModule, type VigilConfig } from '../../../libs/config';
import { PersistenceModule } from '../../../libs/persistence';
import { loggerModule, type Telemetry } from '../../../libs/telemetry';
import { AuditCheckpointerService } from './audit-checkpointer.service';
import { WorkerTelemetry } from './telemetry.token';
import { TemporalWorkerService } from './temporal-worker.service';

@Module({})
export class WorkerModule {
  static register(config: VigilConfig, telemetry: Telemetry): DynamicModule {
    return {
      module: WorkerModule,
      imports: [loggerModule('vigil-worker', config.logLevel), ConfigModule.forRoot(config), PersistenceModule.forRoot()],
      providers: [
        { provide: WorkerTelemetry, useValue: telemetry },
        { provide: AuditLog, inject: [DataSource], useFactory: (dataSource: DataSource) => new AuditLog(dataSource) },
        TemporalWorkerService,
        AuditCheckpointerService,
      ],
      exports: [TemporalWorkerService],
    };
  }
}
