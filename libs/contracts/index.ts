export * from './src/incident-workflow-id';
export * from './src/incident-workflow.contract';
export * from './src/search-attributes';
export * from './src/activities.contract';
export * from './src/well-formed';
