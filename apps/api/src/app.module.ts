import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLog } from '../../../libs/audit';
import { ConfigModule, type VigilConfig } from '../../../libs/config';
import { AlertEntity, ApiKeyEntity, IncidentEntity, PersistenceModule } from '../../../libs/persistence';
import { loggerModule } from '../../../libs/telemetry';
import { AcceptAlerts } from './alerts/accept-alerts.use-case';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuditController } from './audit/audit.controller';
import { HealthController } from './health/health.controller';
import { CloseHttpFirst } from './http/close-http-first';
import { ProblemFilter } from './http/problem.filter';
import { IncidentQueries } from './incidents/incident-queries.service';
import { IncidentsController } from './incidents/incidents.controller';
import { LateUpdateOutcomes } from './incidents/late-update-outcomes';
import { TransitionIncident } from './incidents/transition-incident.use-case';
import { IntakeMetrics } from './metrics/intake.metrics';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsRegistry } from './metrics/metrics.registry';
import { OutboxMetrics } from './metrics/outbox.metrics';
import { OutboxDispatcher } from './outbox/outbox-dispatcher.service';
import { OutboxPruner } from './outbox/outbox-pruner.service';
import { OutboxStore } from './outbox/outbox.store';
import { TemporalClientCloser, temporalClientProvider } from './temporal-client.provider';

@Module({})
export class AppModule {
  static register(config: VigilConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        loggerModule('vigil-api', config.logLevel),
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot(), TypeOrmModule.forFeature([IncidentEntity, AlertEntity, ApiKeyEntity])],
      controllers: [IncidentsController, AuditController, ApiKeysController, HealthController, MetricsController],
      providers: [
        CloseHttpFirst,
        temporalClientProvider,
        TemporalClientCloser,
        { provide: AuditLog, inject: [DataSource], useFactory: (dataSource: DataSource) => new AuditLog(dataSource) },
        { provide: APP_FILTER, useClass: ProblemFilter },
        ApiKeysService,
        AcceptAlerts,
        OutboxStore,
        OutboxDispatcher,
        OutboxPruner,
        IncidentQueries,
        TransitionIncident,
        LateUpdateOutcomes,
        MetricsRegistry,
        IntakeMetrics,
        OutboxMetrics,
      ],
    };
  }
}
