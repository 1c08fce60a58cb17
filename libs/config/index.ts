export * from './src/env.schema';
export * from './src/vigil-config';
