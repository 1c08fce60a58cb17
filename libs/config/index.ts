export * from './src/env.schema';
export * from './src/vigil-config';
export * from './src/config.module';
