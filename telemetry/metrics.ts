import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry of the process's metrics, never prom-client's global one (tests make several in one
 * process), with Node's own figures: CPU, memory, event-loop lag, garbage collection, handles.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
