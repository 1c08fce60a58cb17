import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { ApiKeyRole } from '../../../../libs/persistence';

/** Where a route's allowed roles live in its Fastify route config, for the check before the body is read. */
export const ROLES_CONFIG_KEY = 'vigilRoles';

export type RolesConfig = { [ROLES_CONFIG_KEY]: readonly ApiKeyRole[] };

/** The route config of a plain Fastify route that `roles` may call. */
export function rolesConfig(roles: readonly ApiKeyRole[]): RolesConfig {
  return { [ROLES_CONFIG_KEY]: roles };
}

/** The roles a Fastify route config names, if any. */
export function routeRoles(config: object | undefined): readonly ApiKeyRole[] | undefined {
  return (config as Partial<RolesConfig> | undefined)?.[ROLES_CONFIG_KEY];
}

/** The roles a handler names in its route config (what `@nestjs/platform-fastify`'s `@RouteConfig` sets), if any. */
export function handlerRoles(handler: object): readonly ApiKeyRole[] | undefined {
  return routeRoles(Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as object | undefined);
}

function setHandlerRoles(handler: object, roles: readonly ApiKeyRole[]): void {
  const config: object | undefined = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler);
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, ...rolesConfig(roles) }, handler);
}

/**
 * The roles that may call a route; `admin` may call every route, and only admin a route without it.
 * On a class, it is the default of every handler that does not name its own. The roles go into the
 * Fastify route config (beside whatever else it holds; Nest's `@RouteConfig`, which sets it whole,
 * goes below it), so that they are checked as soon as the router has matched, before the body is read
 * (`requireKeyBeforeBody`).
 */
export function Roles(...roles: ApiKeyRole[]): MethodDecorator & ClassDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor !== undefined) {
      setHandlerRoles(descriptor.value as object, roles);
      return;
    }
    // Class decorators run after the methods', so a handler's own @Roles is already there and kept.
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler: unknown = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (name !== 'constructor' && typeof handler === 'function' && handlerRoles(handler) === undefined) setHandlerRoles(handler, roles);
    }
  };
}
