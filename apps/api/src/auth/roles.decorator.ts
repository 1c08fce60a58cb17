import { SetMetadata } from '@nestjs/common';
import type { ApiKeyRole } from '../../../../libs/persistence';

export const ROLES_KEY = 'vigil:roles';
export const PUBLIC_KEY = 'vigil:public';

/** The roles that may call a route. `admin` may call every route. Routes without it or @Public are closed. */
export const Roles = (...roles: ApiKeyRole[]) => SetMetadata(ROLES_KEY, roles);

/** Reachable without an API key (health only). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
