import { SetMetadata } from '@nestjs/common';
import type { ApiKeyRole } from '../../../../libs/persistence';

export const ROLES_KEY = 'vigil:roles';

/** The roles that may call a route. `admin` may call every route; only admin may call a route without it. */
export const Roles = (...roles: ApiKeyRole[]) => SetMetadata(ROLES_KEY, roles);
