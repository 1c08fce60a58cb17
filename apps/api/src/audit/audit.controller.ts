import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AuditLog } from '../../../../libs/audit';
import { Roles } from '../auth/roles.decorator';
import { parseWith } from '../http/parse-with';
import { UuidPipe } from '../http/uuid.pipe';
import { IncidentQueries } from '../incidents/incident-queries.service';

const timelineQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  afterSeq: z.coerce.number().int().min(0).optional(),
});

@ApiTags('audit')
@ApiBearerAuth()
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
  async timeline(@Param('id', UuidPipe) id: string, @Query() query: unknown) {
    const { limit, afterSeq } = parseWith(timelineQuerySchema, query);
    await this.incidents.get(id);
    return { incidentId: id, events: await this.auditLog.timeline(id, { limit, afterSeq }) };
  }

  @Get('audit/verify')
  @Roles('auditor')
  @ApiOperation({ summary: 'Re-compute every audit chain; ok, or the first broken event' })
  verify() {
    return this.auditLog.verify();
  }
}
