import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ANY_ROLE } from '../auth/authenticate-request';
import { Roles } from '../auth/roles.decorator';
import { MetricsRegistry } from './metrics.registry';

/** Prometheus scrape endpoint: any valid API key may scrape (Prometheus sends it as a bearer token). */
@ApiExcludeController()
@Roles(...ANY_ROLE)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
