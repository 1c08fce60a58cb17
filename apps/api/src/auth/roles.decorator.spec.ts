import { RouteConfig } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { handlerRoles, Roles } from './roles.decorator';

describe('@Roles', () => {
  @Roles('responder', 'auditor')
  class Incidents {
    list(): void {}

    @Roles('responder')
    acknowledge(): void {}
  }

  it('gives every handler of a class its roles, unless the handler names its own', () => {
    expect(handlerRoles(Incidents.prototype.list)).toEqual(['responder', 'auditor']);
    expect(handlerRoles(Incidents.prototype.acknowledge)).toEqual(['responder']);
  });

  it('puts the roles into the route config Nest hands to Fastify, beside what else it holds', () => {
    // Decorators apply bottom up: @RouteConfig sets the config as a whole, so it goes below @Roles.
    class Audit {
      @Roles('auditor')
      @RouteConfig({ rateLimit: 5 })
      verify(): void {}
    }
    expect(Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, Audit.prototype.verify)).toEqual({ rateLimit: 5, vigilRoles: ['auditor'] });
  });
});
