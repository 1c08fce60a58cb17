// Loaded into the workflow bundle as an interceptor module: workflow spans join the trace that started them.
export { interceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
