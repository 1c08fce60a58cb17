export * from './src/connection-options';
export * from './src/create-client';
export * from './src/incident-start-options';
export * from './src/temporal-errors';
export * from './src/connection-ready';
