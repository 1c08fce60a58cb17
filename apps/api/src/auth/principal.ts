import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyRole } from '../../../../libs/persistence';

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  keyId: string;
  name: string;
  role: ApiKeyRole;
}

export function actorOf(principal: Principal): string {
  return `apikey:${principal.name}`;
}

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The caller `requireKeyBeforeBody` authenticated. */
export function principalOf(request: AuthenticatedRequest): Principal {
  if (!request.principal) throw new Error('principal asked for on a route that did not authenticate the request');
  return request.principal;
}

export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => principalOf(ctx.switchToHttp().getRequest<AuthenticatedRequest>()));
