export * from './src/start-telemetry';
export * from './src/trace-ids';
export * from './src/logger';
export * from './src/batch-span';
export * from './src/close-on-signals';
