import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AUDIT_BREAK_REASONS, AuditLog, type AuditTimelineEntry, type AuditVerifyReport } from '../../../../libs/audit';
import { ApiKeyAuth } from '../auth/api-key-security';
import { Roles } from '../auth/roles.decorator';
import { isoTime, openApiSchema } from '../http/openapi-schema';
import { parseQuery } from '../http/strict-query-string';
import { TakesNoQuery } from '../http/takes-no-query';
import { wholeNumber } from '../http/whole-number';
import { UuidPipe } from '../http/uuid.pipe';
import { IncidentQueries } from '../incidents/incident-queries.service';

const timelineQuerySchema = z.strictObject({
  limit: wholeNumber({ min: 1, max: 1000 }).default(500),
  afterSeq: wholeNumber({ min: 0 }).default(0),
});

/** An incident's audit timeline, as answered. */
export const timelineSchema = z.strictObject({
  incidentId: z.uuid(),
  events: z.array(
    z.strictObject({
      id: z.uuid(),
      seq: z.int().min(1).describe('place in its chain'),
      occurredAt: isoTime,
      type: z.string().describe('alert.received, workflow.signaled / command_dropped / closed, activity.started / completed / failed, workflow.update, incident.status_changed'),
      actor: z.string(),
      traceId: z.string().nullable(),
      spanId: z.string().nullable(),
      workflowId: z.string().nullable(),
      runId: z.string().nullable(),
      data: z.record(z.string(), z.unknown()),
      hash: z.string().describe('sha256 over the previous hash, seq and the canonical event'),
    }) satisfies z.ZodType<AuditTimelineEntry>,
  ),
  nextAfterSeq: z.int().nullable().describe('pass as `afterSeq` for the next page; null when this page was not full (nothing more now)'),
});

/** What verify answers: ok, or the first event (or checkpoint) from which a chain cannot be trusted. */
export const verifyReportSchema = z.strictObject({
  ok: z.boolean(),
  chains: z.int().min(0),
  events: z.int().min(0),
  checkpoints: z.int().min(0),
  checkedAt: isoTime,
  firstBroken: z
    .strictObject({
      chainId: z.string(),
      seq: z.int(),
      eventId: z.uuid().optional(),
      reason: z.enum(AUDIT_BREAK_REASONS),
      detail: z.string(),
    })
    .optional(),
}) satisfies z.ZodType<AuditVerifyReport>;

@ApiTags('audit')
@ApiKeyAuth()
@Controller('api/v1')
export class AuditController {
  constructor(
    private readonly auditLog: AuditLog,
    private readonly incidents: IncidentQueries,
  ) {}

  @Get('incidents/:id/audit')
  @Roles('auditor', 'responder')
  @ApiOperation({ summary: "An incident's audit timeline, oldest first" })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 500 } })
  @ApiQuery({ name: 'afterSeq', required: false, description: 'the seq of the last event already read (next page)', schema: { type: 'integer', minimum: 0 } })
  @ApiOkResponse({ schema: openApiSchema(timelineSchema) })
  async timeline(@Param('id', UuidPipe) id: string, @Query() query: unknown) {
    const { limit, afterSeq } = parseQuery(timelineQuerySchema, query);
    await this.incidents.get(id);
    const events = await this.auditLog.timeline(id, { limit, afterSeq });
    return { incidentId: id, events, nextAfterSeq: events.length === limit ? events[events.length - 1].seq : null };
  }

  @Get('audit/verify')
  @TakesNoQuery()
  @Roles('auditor')
  @ApiOperation({ summary: 'Re-compute every audit chain; ok, or the first broken event' })
  @ApiOkResponse({ schema: openApiSchema(verifyReportSchema) })
  verify(): Promise<AuditVerifyReport> {
    return this.auditLog.verify();
  }
}
