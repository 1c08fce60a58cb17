import { RouteConfig } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { ApiKeyRole } from '../../../../libs/persistence';

/** Where a route's allowed roles live in its Fastify route config, for the check before the body is read. */
export const ROLES_CONFIG_KEY = 'vigilRoles';

export type RolesConfig = { [ROLES_CONFIG_KEY]: readonly ApiKeyRole[] };

/** The route config of a plain Fastify route that `roles` may call. */
export function rolesConfig(roles: readonly ApiKeyRole[]): RolesConfig {
  return { [ROLES_CONFIG_KEY]: roles };
}

/**
 * The roles that may call a route; `admin` may call every route, and only admin a route without it.
 * On a class, it is the default of every handler that does not name its own. The roles go into the
 * Fastify route config, so that they are checked as soon as the router has matched, before the body
 * is read (`requireKeyBeforeBody`).
 */
export function Roles(...roles: ApiKeyRole[]): MethodDecorator & ClassDecorator {
  const onHandler = RouteConfig(rolesConfig(roles));
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (key !== undefined && descriptor !== undefined) {
      onHandler(target, key, descriptor);
      return;
    }
    // Class decorators run after the methods', so a handler's own @Roles is already there and kept.
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = Object.getOwnPropertyDescriptor(prototype, name);
      if (name === 'constructor' || typeof handler?.value !== 'function') continue;
      if (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler.value) === undefined) onHandler(prototype, name, handler);
    }
  };
}
