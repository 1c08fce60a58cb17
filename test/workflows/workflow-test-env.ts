import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { join } from 'node:path';
import { workflowBundleOptions } from '../../apps/worker/src/workflow-source';
import { VIGIL_SEARCH_ATTRIBUTES } from '../../libs/contracts';
import { testEnv } from '../support/test-env';

/** Saved histories of every workflow; the replay test guards them. */
export const HISTORIES = join(__dirname, '../../workflows/test/histories');

/** The real Temporal dev server (the CLI binary global setup located), with Vigil's search attributes. */
export function startLocalTemporal(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  const path = testEnv('TEMPORAL_CLI_PATH');
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path }, ip: '127.0.0.1', searchAttributes: [...VIGIL_SEARCH_ATTRIBUTES], extraArgs: ['--log-level', 'error', ...extraArgs] },
  });
}

/** Bundled once per test file, as the worker bundles it (with the tracing interceptors, which run on replay too). */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode(workflowBundleOptions(() => undefined));
}

/** The sink the bundle's tracing interceptors export through, as in the worker (spans kept in memory). */
export function tracingSinks() {
  return { exporter: makeWorkflowExporter(new SimpleSpanProcessor(new InMemorySpanExporter()), Resource.empty()) };
}
