import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { startTracing } from '../../telemetry/tracing';

// In this order: the first test needs the process as it is before any provider is registered.
describe('tracing is on only with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('without an endpoint nothing is registered: the OpenTelemetry API stays a no-op', () => {
    expect(startTracing({ serviceName: 'kindergarten-queue-api', endpoint: undefined })).toBeUndefined();
    const span = trace.getTracer('anyone').startSpan('unseen');
    expect(span.isRecording()).toBe(false);
    span.end();
    // No propagator either: a valid caller context is not passed on as a traceparent.
    const caller = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), caller), carrier);
    expect(carrier).toEqual({});
  });

  it('with an endpoint, spans go over OTLP/HTTP to <endpoint>/v1/traces, and shutdown sends what is buffered', async () => {
    const received: { method?: string; url?: string; body: string }[] = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString('latin1') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`;
      const tracing = startTracing({ serviceName: 'kindergarten-queue-worker', endpoint })!;
      tracing.tracer.startSpan('flushed-at-shutdown').end();
      await tracing.shutdown();
      expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/traces']);
      expect(received[0]!.body).toContain('kindergarten-queue-worker');
      expect(received[0]!.body).toContain('flushed-at-shutdown');
    } finally {
      collector.close();
    }
  });
});
