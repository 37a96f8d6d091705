import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export type ServiceName = 'kindergarten-queue-api' | 'kindergarten-queue-worker';

export interface TracingOptions {
  serviceName: ServiceName;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: spans go, batched, to `${endpoint}/v1/traces` (OTLP/HTTP). */
  endpoint?: string;
  /** Instead of the endpoint, spans go one by one to this exporter (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

/** A process's tracing, once started: the API's spans, and where the worker sends its workflows' spans. */
export interface Tracing {
  tracer: Tracer;
  /** Ends every span of the process, those the workflows send out of their sandbox too. */
  processor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered, then stops; the process's last call before it exits. */
  shutdown(): Promise<void>;
}

/** An IIN anywhere in a span's text (a path a client typed, an update ID `iin:nonce`): 12 digits standing alone. */
const IIN_RUN = /(?<!\d)\d{12}(?!\d)/g;

/** `text` with every IIN-shaped run replaced, for whatever a span keeps that a person's input can reach. */
export const withoutIins = (text: string): string => text.replace(IIN_RUN, '{iin}');

/** Span attributes the Temporal interceptors set from values this project fills with an IIN. */
const IIN_BEARING_ATTRIBUTES = ['temporalUpdateId'];

/**
 * The last step before export: action update IDs are `iin:nonce` (api/routes/applications.ts) and
 * the OpenTelemetry interceptors copy them onto spans; no IIN leaves the process. Ended spans are
 * read-only through the API, so the attribute is rewritten in place.
 */
class WithoutIins implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parent: Context): void {
    this.next.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of IIN_BEARING_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === 'string') attributes[key] = withoutIins(value);
    }
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

/**
 * Starts tracing for the process, or not: without an endpoint (and an exporter) nothing is
 * registered, the OpenTelemetry API stays the no-op it is by default, and callers add no middleware
 * and no interceptors, so an untraced process pays nothing. Registers the provider globally with
 * W3C trace-context propagation (`traceparent`), which the Temporal interceptors use too.
 * Once per process (tests: once per file).
 */
export function startTracing(opts: TracingOptions): Tracing | undefined {
  if (!opts.exporter && !opts.endpoint) return undefined;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: opts.serviceName });
  const processor = new WithoutIins(
    opts.exporter
      ? new SimpleSpanProcessor(opts.exporter)
      : new BatchSpanProcessor(new OTLPTraceExporter({ url: `${opts.endpoint!.replace(/\/+$/, '')}/v1/traces` })),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    tracer: provider.getTracer('kindergarten-queue'),
    processor,
    resource,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
