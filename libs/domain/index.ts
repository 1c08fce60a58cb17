export * from './src/severity';
export * from './src/incident-status';
export * from './src/alert';
export * from './src/domain-error';
export * from './src/uuid';
