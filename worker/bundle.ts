import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { Logger } from '../telemetry/log';
import { workflowBundleOptions } from './interceptor-modules';
import { sdkLogger } from './runtime';

/**
 * The worker process's workflow code, bundled once for both its workers (each would otherwise
 * bundle its own, and print webpack's report twice). One line says it was built; webpack's report
 * is at debug. The interceptor modules are the ones a worker of this `tracing` runs with.
 */
export async function bundleWorkflows(log: Logger, opts: { tracing: boolean }): Promise<{ code: string }> {
  const started = performance.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, '..', 'workflows'),
    ...workflowBundleOptions(opts),
    logger: sdkLogger(log, { quiet: true }),
  });
  const durationMs = Math.round(performance.now() - started);
  const sizeKiB = Math.round(Buffer.byteLength(code) / 1024);
  log.info({ durationMs, sizeKiB }, `workflow bundle built in ${durationMs} ms, ${sizeKiB} KiB`);
  return { code };
}
