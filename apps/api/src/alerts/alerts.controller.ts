import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { VigilConfig } from '../../../../libs/config';
import type { CanonicalAlert } from '../../../../libs/domain';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { parseWith } from '../http/parse-with';
import { ValidationProblem } from '../http/problem';
import { IntakeMetrics } from '../metrics/intake.metrics';
import { AcceptAlerts } from './accept-alerts.use-case';
import { alertBatchSchema, alertSchema, idempotencyKeySchema, type AlertBody } from './alert.schema';

function toCanonical(body: AlertBody): CanonicalAlert {
  const { fingerprint, generatorURL, ...alert } = body;
  const annotations = generatorURL ? { ...alert.annotations, generatorURL } : alert.annotations;
  return { ...alert, annotations, dedupKey: fingerprint } as CanonicalAlert;
}

@ApiTags('alerts')
@ApiBearerAuth()
@Roles('ingest')
@Controller('api/v1/alerts')
export class AlertsController {
  private readonly batchSchema;

  constructor(
    private readonly acceptAlerts: AcceptAlerts,
    private readonly metrics: IntakeMetrics,
    config: VigilConfig,
  ) {
    this.batchSchema = alertBatchSchema(config.intake.maxBatch);
  }

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one alert (an object) or a batch (an array); answered once durably stored' })
  @ApiBody({ schema: { oneOf: [z.toJSONSchema(alertSchema, { io: 'input' }), { type: 'array', items: z.toJSONSchema(alertSchema, { io: 'input' }) }] } as object })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key twice stores the alert once and repeats the first answer' })
  @ApiResponse({ status: 202, description: 'Stored; per alert: incidentId, workflowId, temporalUiUrl, traceId, deduplicated' })
  @ApiResponse({ status: 400, description: 'Invalid alert (problem+json naming the field); nothing stored' })
  @ApiResponse({ status: 503, description: 'PostgreSQL unavailable, or intake overloaded; nothing stored, retry after Retry-After' })
  async send(@Body() body: unknown, @Headers('idempotency-key') idempotencyKeyHeader: string | undefined, @CurrentPrincipal() principal: Principal) {
    const { alerts, idempotencyKey } = this.parse(body, idempotencyKeyHeader);
    const accepted = await this.acceptAlerts.execute({ alerts, idempotencyKey, source: 'api', actor: actorOf(principal) });
    return { alerts: accepted };
  }

  private parse(body: unknown, idempotencyKeyHeader: string | undefined) {
    try {
      const key = idempotencyKeySchema.safeParse(idempotencyKeyHeader);
      if (!key.success) throw new ValidationProblem([{ field: 'Idempotency-Key', message: key.error.issues[0].message }]);
      const alerts = Array.isArray(body) ? parseWith(this.batchSchema, body) : [parseWith(alertSchema, body)];
      return { alerts: alerts.map(toCanonical), idempotencyKey: key.data };
    } catch (error) {
      this.metrics.alertsRefused('rejected', Array.isArray(body) ? Math.max(body.length, 1) : 1);
      throw error;
    }
  }
}
