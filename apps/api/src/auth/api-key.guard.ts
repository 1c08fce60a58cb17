import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeyRole } from '../../../../libs/persistence';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { authenticateRequest } from './authenticate-request';
import type { AuthenticatedRequest } from './principal';
import { isPublicRoute } from './key-before-body';
import { ROLES_KEY } from './roles.decorator';

/** Every route but health needs an API key whose role the route allows (`@Roles`; admin only without it). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (isPublicRoute(request.routeOptions.url)) return true;
    const allowed = this.reflector.getAllAndOverride<ApiKeyRole[]>(ROLES_KEY, [context.getHandler(), context.getClass()]) ?? [];
    await authenticateRequest(request, this.apiKeys, allowed);
    return true;
  }
}
