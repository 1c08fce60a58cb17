export * from './src/error-chain';
