import { Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ValidationProblem } from './problem';

/**
 * A route that takes no query parameters refuses them, as the routes that take some refuse the
 * ones they do not know: `GET /api/v1/api-keys?limit=1` answered with every key would pass for a page.
 * Runs after the key and role checks, which come before the body is read (`requireKeyBeforeBody`).
 */
export function refuseQueryParameters(query: unknown): void {
  const names = Object.keys(query ?? {});
  if (names.length > 0) throw new ValidationProblem(names.map((field) => ({ field, message: 'unknown field' })));
}

@Injectable()
class RefuseQueryParameters implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    refuseQueryParameters(context.switchToHttp().getRequest<FastifyRequest>().query);
    return true;
  }
}

export const TakesNoQuery = (): MethodDecorator & ClassDecorator => UseGuards(RefuseQueryParameters);
