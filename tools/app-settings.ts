import { VigilConfig } from '../libs/config';
import type { StackSettings } from '../libs/dev-stack';

/**
 * The settings the API and the worker will be started with, checked before anything starts: a bad
 * one would otherwise stop the stack only once PostgreSQL and Temporal are up. What the stack sets
 * for them itself (the database it starts) stands in for what it does not know yet.
 */
export function checkAppSettings(settings: StackSettings): void {
  const { VIGIL_ADMIN_API_KEY: _key, ...inherited } = process.env;
  VigilConfig.fromEnv({ ...inherited, VIGIL_ADMIN_API_KEY: settings.adminApiKey, DATABASE_URL: settings.externalDatabase?.url ?? 'postgres://127.0.0.1/vigil' });
}
