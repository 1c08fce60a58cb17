import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { ENTITIES } from './entities';

const MIGRATIONS_TABLE = 'vigil_migrations';

/**
 * How long a statement may take (the apps', not the migrations': those may rightly take longer).
 * PostgreSQL cancels a slow statement itself, rolling it back; the client gives up a second later
 * only when PostgreSQL does not answer at all (frozen, or cut off), not knowing what became of it.
 */
function queryTimeouts(ms: number) {
  return { statement_timeout: ms, query_timeout: ms + 1000 };
}

/**
 * The one TypeORM options object, shared by the apps and the migration runner.
 * The schema comes only from migrations: never synchronize.
 */
export function dataSourceOptions(url: string, poolSize = 10, queryTimeoutMs?: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 5000, keepAlive: true, ...(queryTimeoutMs ? queryTimeouts(queryTimeoutMs) : {}) },
  };
}
