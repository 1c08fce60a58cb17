import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../auth/api-key-security';
import { ANY_ROLE } from '../auth/authenticate-request';
import { Roles } from '../auth/roles.decorator';
import { MetricsRegistry } from './metrics.registry';

/** Prometheus scrape endpoint: any valid API key may scrape (Prometheus sends it as a bearer token). */
@ApiTags('metrics')
@ApiKeyAuth()
@Roles(...ANY_ROLE)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics: intake by outcome, outbox backlog and age, request latency' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The Prometheus text exposition format', schema: { type: 'string' } })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
