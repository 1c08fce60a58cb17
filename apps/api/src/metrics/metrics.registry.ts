import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** This process's Prometheus registry (not prom-client's global one, so several apps can live in one test process). */
@Injectable()
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this, prefix: 'vigil_' });
  }
}
