export * from './src/data-source-options';
export * from './src/entities';
