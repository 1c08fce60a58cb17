import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Client } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { HEALTH_PATH } from '../auth/key-before-body';
import { openApiSchema } from '../http/openapi-schema';
import { PROBLEM_CONTENT_TYPE, PROBLEM_SCHEMA_REF } from '../http/problem';

const CHECK_DEADLINE_MS = 2_000;

const checkSchema = z.strictObject({ status: z.enum(['up', 'down']), error: z.string().optional().describe('why it is down') });
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
    const [postgres, temporal] = await Promise.all([this.check(() => this.dataSource.query('SELECT 1')), this.check(() => this.pingTemporal())]);
    const ok = postgres.status === 'up' && temporal.status === 'up';
    void reply.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, temporal } };
  }

  private pingTemporal(): Promise<unknown> {
    return this.client.connection.withDeadline(Date.now() + CHECK_DEADLINE_MS, () =>
      this.client.connection.workflowService.getSystemInfo({}),
    );
  }

  private async check(probe: () => Promise<unknown>): Promise<Check> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_DEADLINE_MS} ms`)), CHECK_DEADLINE_MS);
    });
    try {
      await Promise.race([probe(), timeout]);
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
