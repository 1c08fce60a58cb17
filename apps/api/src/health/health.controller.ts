import { Controller, Get, HttpStatus, Logger, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Client } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { isConnectionReady } from '../../../../libs/temporal';
import { HEALTH_PATH } from '../auth/key-before-body';
import { openApiSchema } from '../http/openapi-schema';
import { resolvesWithin } from '../resolves-within';
import { PROBLEM_CONTENT_TYPE, PROBLEM_SCHEMA_REF } from '../http/problem';

const CHECK_DEADLINE_MS = 2_000;
/** How long a check that got no answer waits on its connection to say whether it is established. */
const CONNECTED_WITHIN_MS = 200;

const checkSchema = z.strictObject({ status: z.enum(['up', 'down']), error: z.string().optional().describe('why it is down, in general terms (the details are in the API log: this route needs no key)') });
type Check = z.infer<typeof checkSchema>;

export const liveSchema = z.strictObject({ status: z.literal('ok') });

export const readySchema = z.strictObject({
  status: z.enum(['ok', 'unavailable']),
  checks: z.strictObject({ postgres: checkSchema, temporal: checkSchema }),
});
type Readiness = z.infer<typeof readySchema>;

@ApiTags('health')
/** Open without a key (see `requireKeyBeforeBody`): probes and load balancers have none. */
@Controller(HEALTH_PATH)
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly client: Client,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ schema: openApiSchema(liveSchema) })
  live(): z.infer<typeof liveSchema> {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'PostgreSQL and Temporal answer; 503 naming what does not' })
  @ApiOkResponse({ schema: openApiSchema(readySchema) })
  @ApiServiceUnavailableResponse({
    description: 'PostgreSQL or Temporal does not answer (this report); or the server is shutting down (problem+json, as every route answers then)',
    content: { 'application/json': { schema: openApiSchema(readySchema) }, [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } },
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const [postgres, temporal] = await Promise.all([this.check('PostgreSQL', () => this.dataSource.query('SELECT 1')), this.check('Temporal', () => this.pingTemporal(), () => this.temporalConnected())]);
    const ok = postgres.status === 'up' && temporal.status === 'up';
    void reply.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, temporal } };
  }

  /** Its gRPC deadline a second past the check's, so that no answer is the check's to call, not a DEADLINE_EXCEEDED. */
  private pingTemporal(): Promise<unknown> {
    return this.client.connection.withDeadline(Date.now() + CHECK_DEADLINE_MS + 1_000, () =>
      this.client.connection.workflowService.getSystemInfo({}),
    );
  }

  /** The client retries a refused connection until the deadline, so a Temporal that is down gets no answer either. */
  private temporalConnected(): Promise<boolean> {
    return isConnectionReady(this.client.connection, CONNECTED_WITHIN_MS);
  }

  /**
   * Anyone may ask, so the answer names no address, user or driver message; the log has them.
   * `connected`, when given, tells a server that cannot be reached from one that is slow to answer.
   */
  private async check(name: string, probe: () => Promise<unknown>, connected?: () => Promise<boolean>): Promise<Check> {
    try {
      if (await resolvesWithin(probe(), CHECK_DEADLINE_MS)) return { status: 'up' };
      if (connected && !(await connected())) {
        this.logger.warn(`readiness: ${name} cannot be reached (the API has no connection to it)`);
        return { status: 'down', error: 'cannot be reached' };
      }
      this.logger.warn(`readiness: ${name} did not answer within ${CHECK_DEADLINE_MS} ms`);
      return { status: 'down', error: `no answer within ${CHECK_DEADLINE_MS} ms` };
    } catch (error) {
      this.logger.warn(`readiness: ${name} is down: ${error instanceof Error ? error.message : String(error)}`);
      return { status: 'down', error: 'the check failed (the API log says why)' };
    }
  }
}
