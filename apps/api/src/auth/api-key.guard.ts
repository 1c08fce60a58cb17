import { HttpException, HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeyRole } from '../../../../libs/persistence';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { AuthenticatedRequest } from './principal';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator';

const BEARER = /^Bearer\s+(\S+)$/i;

/** Every route needs an API key whose role the route allows; closed unless a route says otherwise. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = this.presentedKey(request);
    if (!presented) throw new HttpException('An API key is required: Authorization: Bearer <key>', HttpStatus.UNAUTHORIZED);
    const principal = await this.apiKeys.authenticate(presented);
    if (!principal) throw new HttpException('The API key is unknown or revoked', HttpStatus.UNAUTHORIZED);
    const allowed = this.reflector.getAllAndOverride<ApiKeyRole[]>(ROLES_KEY, targets) ?? [];
    if (principal.role !== 'admin' && !allowed.includes(principal.role)) {
      throw new HttpException(`Role ${principal.role} may not call this route`, HttpStatus.FORBIDDEN);
    }
    request.principal = principal;
    return true;
  }

  private presentedKey(request: AuthenticatedRequest): string | undefined {
    const header = request.headers.authorization;
    const bearer = header ? BEARER.exec(header)?.[1] : undefined;
    if (bearer) return bearer;
    const apiKeyHeader = request.headers['x-api-key'];
    return typeof apiKeyHeader === 'string' && apiKeyHeader ? apiKeyHeader : undefined;
  }
}
