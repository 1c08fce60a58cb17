import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { INCIDENT_STATUSES, SEVERITIES } from '../../../../libs/domain';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { parseWith } from '../http/parse-with';
import { storable } from '../http/storable';
import { UuidPipe } from '../http/uuid.pipe';
import { decodeCursor } from './cursor';
import { IncidentQueries } from './incident-queries.service';
import { TransitionIncident } from './transition-incident.use-case';

const listQuerySchema = z.strictObject({
  status: z.enum(INCIDENT_STATUSES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  service: storable(z.string().min(1).max(256)).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .transform((text, ctx) => {
      const cursor = decodeCursor(text);
      if (!cursor) ctx.addIssue({ code: 'custom', message: 'not a cursor from this API' });
      return cursor ?? z.NEVER;
    })
    .optional(),
});

const transitionBodySchema = z.strictObject({ note: storable(z.string().max(2000)).optional() }).default({});

@ApiTags('incidents')
@ApiBearerAuth()
@Roles('responder', 'auditor')
@Controller('api/v1/incidents')
export class IncidentsController {
  constructor(
    private readonly queries: IncidentQueries,
    private readonly transition: TransitionIncident,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List incidents, newest first, cursor-paginated' })
  @ApiQuery({ name: 'status', required: false, enum: INCIDENT_STATUSES })
  @ApiQuery({ name: 'severity', required: false, enum: SEVERITIES })
  @ApiQuery({ name: 'service', required: false })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  list(@Query() query: unknown) {
    return this.queries.list(parseWith(listQuerySchema, query));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One incident: PostgreSQL record, live workflow state and links' })
  get(@Param('id', UuidPipe) id: string) {
    return this.queries.detail(id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles('responder')
  @ApiOperation({ summary: 'Acknowledge (a Temporal update); answers the new state' })
  @ApiBody({ required: false, schema: z.toJSONSchema(transitionBodySchema, { io: 'input' }) as object })
  @ApiResponse({ status: 200, description: "The incident's new live state" })
  @ApiResponse({ status: 404, description: 'No such incident' })
  @ApiResponse({ status: 409, description: 'The incident is not in a state that allows it' })
  acknowledge(@Param('id', UuidPipe) id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { note } = parseWith(transitionBodySchema, body ?? {});
    return this.transition.execute({ incidentId: id, to: 'acknowledged', actor: actorOf(principal), note });
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Roles('responder')
  @ApiOperation({ summary: 'Resolve (a Temporal update); answers the new state' })
  @ApiBody({ required: false, schema: z.toJSONSchema(transitionBodySchema, { io: 'input' }) as object })
  @ApiResponse({ status: 200, description: "The incident's new live state" })
  @ApiResponse({ status: 404, description: 'No such incident' })
  @ApiResponse({ status: 409, description: 'The incident is already resolved' })
  resolve(@Param('id', UuidPipe) id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { note } = parseWith(transitionBodySchema, body ?? {});
    return this.transition.execute({ incidentId: id, to: 'resolved', actor: actorOf(principal), note });
  }
}
