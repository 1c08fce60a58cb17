import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import type { VigilConfig } from '../../../../libs/config';
import type { CanonicalAlert } from '../../../../libs/domain';
import type { ApiKeyRole } from '../../../../libs/persistence';
import { API_KEY_SECURITY } from '../auth/api-key-security';
import { actorOf, principalOf } from '../auth/principal';
import { rolesConfig } from '../auth/roles.decorator';
import { openApiSchema } from '../http/openapi-schema';
import { parseWith } from '../http/parse-with';
import { PROBLEM_SCHEMA_REF, ValidationProblem } from '../http/problem';
import { refuseQueryParameters } from '../http/takes-no-query';
import type { IntakeMetrics } from '../metrics/intake.metrics';
import type { AcceptAlerts } from './accept-alerts.use-case';
import { acceptedAlertsSchema, alertBatchSchema, alertSchema, idempotencyKeySchema, type AlertBody } from './alert.schema';

export const ALERTS_PATH = '/api/v1/alerts';
const INTAKE_ROLES: readonly ApiKeyRole[] = ['ingest'];

export interface AlertIntakeDeps {
  acceptAlerts: AcceptAlerts;
  metrics: IntakeMetrics;
  config: VigilConfig;
}

/**
 * POST /api/v1/alerts: one alert (an object) or a batch (an array), answered 202 once durably stored.
 *
 * The one route that takes thousands of requests a second, so it is a plain Fastify route rather
 * than a Nest controller: Nest's per-request pipeline (execution context, guard, parameter
 * decorators) measured at a ninth of intake's API CPU. It keeps the same rules: the API key and its
 * role checked before the body is read (`requireKeyBeforeBody`), validation at the edge, and
 * errors answered as problem+json by the global ProblemFilter, which Nest installs as Fastify's
 * error handler.
 */
export function registerAlertIntakeRoute(fastify: FastifyInstance, deps: AlertIntakeDeps): void {
  const batchSchema = alertBatchSchema(deps.config.intake.maxBatch);

  const parse = (body: unknown, idempotencyKeyHeader: unknown, query: unknown) => {
    try {
      refuseQueryParameters(query);
      const key = idempotencyKeySchema.safeParse(idempotencyKeyHeader);
      if (!key.success) throw new ValidationProblem([{ field: 'Idempotency-Key', message: key.error.issues[0].message }]);
      const alerts = Array.isArray(body) ? parseWith(batchSchema, body) : [parseWith(alertSchema, body)];
      return { alerts: alerts.map(toCanonical), idempotencyKey: key.data };
    } catch (error) {
      deps.metrics.alertsRefused('rejected', Array.isArray(body) ? Math.max(body.length, 1) : 1);
      throw error;
    }
  };

  fastify.post(ALERTS_PATH, { config: rolesConfig(INTAKE_ROLES) }, async (request, reply) => {
    const principal = principalOf(request);
    const { alerts, idempotencyKey } = parse(request.body, request.headers['idempotency-key'], request.query);
    const accepted = await deps.acceptAlerts.execute({ alerts, idempotencyKey, idempotencyScope: principal.keyId, source: 'api', actor: actorOf(principal) });
    return reply.code(202).send({ alerts: accepted });
  });
}

function toCanonical(body: AlertBody): CanonicalAlert {
  const { fingerprint, generatorURL, ...alert } = body;
  const annotations = generatorURL ? { ...alert.annotations, generatorURL } : alert.annotations;
  return { ...alert, annotations, dedupKey: fingerprint } as CanonicalAlert;
}

/** The route's OpenAPI description (Nest's Swagger module only sees controllers). */
export function alertIntakeOpenApi(maxBatch: number): OpenAPIObject['paths'][string] {
  const alert = openApiSchema(alertSchema, 'input');
  const batch = openApiSchema(alertBatchSchema(maxBatch), 'input');
  const problem = { 'application/problem+json': { schema: { $ref: PROBLEM_SCHEMA_REF } } };
  return {
    post: {
      tags: ['alerts'],
      summary: 'Send one alert (an object) or a batch (an array); answered once durably stored',
      security: API_KEY_SECURITY,
      parameters: [
        { name: 'Idempotency-Key', in: 'header', required: false, description: 'The same key twice stores the alert once and repeats the first answer', schema: openApiSchema(idempotencyKeySchema.unwrap(), 'input') },
      ],
      requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [alert, batch] } } } },
      responses: {
        '202': {
          description: 'Stored; per alert: incidentId, workflowId, temporalUiUrl, traceId, deduplicated',
          content: { 'application/json': { schema: openApiSchema(acceptedAlertsSchema) } },
        },
        '400': { description: 'Invalid alert (problem+json naming the field); nothing stored', content: problem },
        '401': { description: 'No valid API key', content: problem },
        '403': { description: 'The key\'s role may not send alerts (ingest or admin may)', content: problem },
        '413': { description: 'Body over the size limit (VIGIL_MAX_BODY_BYTES); nothing stored', content: problem },
        '415': { description: 'Not Content-Type: application/json, a charset other than UTF-8, or a compressed body (Content-Encoding); nothing stored', content: problem },
        '422': { description: 'Idempotency-Key already used for a different request; nothing stored', content: problem },
        '503': {
          description:
            'PostgreSQL unavailable, intake overloaded or the server shutting down: nothing stored; or PostgreSQL did not answer (storage-no-answer): perhaps stored, so retry with the same Idempotency-Key. Retry after Retry-After',
          content: problem,
        },
      },
    },
  };
}
