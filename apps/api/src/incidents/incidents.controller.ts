import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { MAX_SERVICE_LENGTH } from '../../../../libs/contracts';
import { INCIDENT_STATUSES, SEVERITIES } from '../../../../libs/domain';
import { ApiKeyAuth } from '../auth/api-key-security';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { parseWith } from '../http/parse-with';
import { parseQuery } from '../http/strict-query-string';
import { queryText } from '../http/query-text';
import { storable } from '../http/storable';
import { TakesNoQuery } from '../http/takes-no-query';
import { UuidPipe } from '../http/uuid.pipe';
import { wholeNumber } from '../http/whole-number';
import { oneOrMoreOf } from '../http/one-or-more-of';
import { openApiSchema } from '../http/openapi-schema';
import { alertPageSchema } from './alert.view';
import { cursorParam } from './cursor';
import { IncidentQueries } from './incident-queries.service';
import { incidentDetailSchema, incidentPageSchema, liveStateSchema } from './incident.view';
import { TransitionIncident } from './transition-incident.use-case';

const pageQuerySchema = z.strictObject({
  limit: wholeNumber({ min: 1, max: 200 }).default(50),
  cursor: cursorParam.optional(),
});

const listQuerySchema = pageQuerySchema.extend({
  status: oneOrMoreOf(INCIDENT_STATUSES).optional(),
  severity: oneOrMoreOf(SEVERITIES).optional(),
  // Trimmed, as the label is at intake.
  service: storable(queryText().trim().min(1).max(MAX_SERVICE_LENGTH)).optional(),
});

const transitionBodySchema = z.strictObject({ note: storable(z.string().max(2000)).optional() }).default({});

/** The `limit` and `cursor` parameters of a cursor-paginated list, for the OpenAPI document. */
function PageQuery() {
  return applyDecorators(
    ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } }),
    ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page', schema: { type: 'string' } }),
  );
}

@ApiTags('incidents')
@ApiKeyAuth()
@Roles('responder', 'auditor')
@Controller('api/v1/incidents')
export class IncidentsController {
  constructor(
    private readonly queries: IncidentQueries,
    private readonly transition: TransitionIncident,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List incidents, newest first, cursor-paginated' })
  @ApiQuery({ name: 'status', required: false, enum: INCIDENT_STATUSES, isArray: true, description: 'any of; repeated or comma-separated (open ones: `triggered,acknowledged`)' })
  @ApiQuery({ name: 'severity', required: false, enum: SEVERITIES, isArray: true, description: 'any of; repeated or comma-separated' })
  @ApiQuery({ name: 'service', required: false, description: 'the service label, exactly (surrounding spaces are trimmed, as at intake)', schema: { type: 'string', minLength: 1, maxLength: MAX_SERVICE_LENGTH } })
  @PageQuery()
  @ApiOkResponse({ schema: openApiSchema(incidentPageSchema) })
  list(@Query() query: unknown) {
    return this.queries.list(parseQuery(listQuerySchema, query));
  }

  @Get(':id')
  @TakesNoQuery()
  @ApiOperation({ summary: 'One incident: PostgreSQL record, live workflow state and links' })
  @ApiOkResponse({ schema: openApiSchema(incidentDetailSchema) })
  get(@Param('id', UuidPipe) id: string) {
    return this.queries.detail(id);
  }

  @Get(':id/alerts')
  @ApiOperation({ summary: "The incident's alerts, newest first, with their labels and annotations, cursor-paginated" })
  @PageQuery()
  @ApiOkResponse({ schema: openApiSchema(alertPageSchema) })
  alerts(@Param('id', UuidPipe) id: string, @Query() query: unknown) {
    return this.queries.alerts(id, parseQuery(pageQuerySchema, query));
  }

  @Post(':id/acknowledge')
  @TakesNoQuery()
  @HttpCode(200)
  @Roles('responder')
  @ApiOperation({ summary: 'Acknowledge (a Temporal update); answers the new state' })
  @ApiBody({ required: false, schema: openApiSchema(transitionBodySchema, 'input') })
  @ApiOkResponse({ description: "The incident's new live state", schema: openApiSchema(liveStateSchema) })
  @ApiNotFoundResponse({ description: 'No such incident' })
  @ApiConflictResponse({ description: 'The incident is not in a state that allows it' })
  acknowledge(@Param('id', UuidPipe) id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { note } = parseWith(transitionBodySchema, body ?? {});
    return this.transition.execute({ incidentId: id, to: 'acknowledged', actor: actorOf(principal), note });
  }

  @Post(':id/resolve')
  @TakesNoQuery()
  @HttpCode(200)
  @Roles('responder')
  @ApiOperation({
    summary: 'Resolve (a Temporal update); answers the new state',
    description: 'An incident whose workflow was terminated or cancelled outside Vigil is resolved in PostgreSQL alone, and audited so.',
  })
  @ApiBody({ required: false, schema: openApiSchema(transitionBodySchema, 'input') })
  @ApiOkResponse({ description: "The incident's new live state", schema: openApiSchema(liveStateSchema) })
  @ApiNotFoundResponse({ description: 'No such incident' })
  @ApiConflictResponse({ description: 'The incident is already resolved' })
  resolve(@Param('id', UuidPipe) id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const { note } = parseWith(transitionBodySchema, body ?? {});
    return this.transition.execute({ incidentId: id, to: 'resolved', actor: actorOf(principal), note });
  }
}
