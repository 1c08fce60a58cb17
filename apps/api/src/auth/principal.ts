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

export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route the API key guard did not authenticate');
  return principal;
});
