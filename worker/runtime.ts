import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import { Runtime, type TelemetryOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../config';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The SDK's logger interface on a pino logger: the SDK's own lines, the workflows' (through the
 * default workflow log sink) and the activities' (Context.log), with their attributes — workflowId,
 * activityType, the requestId the interceptors add. The SDK names an error `error`; pino's
 * serializer, which keeps its stack, reads `err`. `quiet` lowers INFO to DEBUG (the bundler's webpack
 * report).
 */
export function sdkLogger(logger: Logger, { quiet = false }: { quiet?: boolean } = {}): SdkLogger {
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => {
    const { error, ...rest } = meta ?? {};
    const fields = error === undefined ? rest : { ...rest, err: error };
    logger[LEVELS[quiet && level === 'INFO' ? 'DEBUG' : level]](fields, message);
  };
  return { log: (level, message, meta) => at(level)(message, meta), trace: at('TRACE'), debug: at('DEBUG'), info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
}

/**
 * The SDK's exporter serves the worker's metrics (workflow and activity task latencies, slots,
 * polls, failures) at /metrics on WORKER_METRICS_PORT, under the names the SDK documents.
 */
function metricsExporter(config: Config): TelemetryOptions['metrics'] {
  if (!config.WORKER_METRICS_PORT) return undefined;
  return { prometheus: { bindAddress: `${config.METRICS_HOST}:${config.WORKER_METRICS_PORT}` } };
}

/**
 * The process's one Temporal Runtime: its logger and its metrics. The first thing the worker does —
 * the Runtime is made, with defaults, by the first connection or worker that needs one.
 */
export function installRuntime(config: Config, logger: Logger): Runtime {
  return Runtime.install({
    logger: sdkLogger(logger),
    telemetryOptions: {
      // The SDK core's own warnings and errors come through the same logger, not straight to the console.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: metricsExporter(config),
    },
  });
}
