export * from './src/data-source-options';
export * from './src/entities';
export * from './src/persistence.module';
export * from './src/database-unavailable';
export * from './src/sqlstate';
export * from './src/group-commit';
export * from './src/held-connections';
export * from './src/intake/incident-intake.store';
