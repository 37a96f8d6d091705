import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type OpenTelemetryWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSink } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Tracing } from './tracing';

/**
 * A Temporal client's interceptors: with tracing, each start, update, signal and query is a span
 * whose context travels to the workflow in a header; without, none (the untraced path pays nothing).
 */
export function tracedClientInterceptors(tracing: Tracing | undefined): WorkflowClientInterceptor[] {
  return tracing ? [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] : [];
}

/** A worker's activity interceptors: each activity a span, child of the workflow's StartActivity. */
export function tracedActivities(tracing: Tracing | undefined): ActivityInterceptorsFactory[] {
  if (!tracing) return [];
  return [
    (ctx) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
      outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
  ];
}

/**
 * The sink that takes the workflows' spans out of their sandbox into the process's processor. The
 * interceptor package copies the whole WorkflowInfo onto every such span (search attributes, memo,
 * last result and failure): only these identify the run, the rest stays in Temporal.
 */
export function workflowSpanSinks(tracing: Tracing | undefined): { exporter: InjectedSink<OpenTelemetryWorkflowExporter> } | Record<string, never> {
  if (!tracing) return {};
  const { export: exported } = makeWorkflowExporter(tracing.processor, tracing.resource);
  return {
    exporter: {
      export: {
        fn(info, spans) {
          const { workflowId, runId, workflowType, taskQueue, namespace } = info;
          return exported.fn({ workflowId, runId, workflowType, taskQueue, namespace } as WorkflowInfo, spans);
        },
      },
    },
  };
}
