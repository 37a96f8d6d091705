/**
 * Not a workflow: the OpenTelemetry workflow interceptors, bundled only into a traced worker's
 * workflow code (worker/interceptor-modules.ts). RunWorkflow, HandleUpdate, HandleSignal and
 * StartActivity spans, children of the client's span, ended in the sandbox and sent out by the
 * worker's `exporter` sink (telemetry/temporal-tracing.ts). They add no commands: recorded
 * histories replay with or without them (tests/ops/tracing.test.ts).
 */
export { interceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
