import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Client } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/roles.decorator';

const CHECK_DEADLINE_MS = 2_000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly client: Client,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'PostgreSQL and Temporal answer; 503 naming what does not' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
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

  private async check(probe: () => Promise<unknown>): Promise<{ status: 'up' | 'down'; error?: string }> {
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
