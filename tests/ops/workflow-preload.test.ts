/**
 * The request-ID interceptors' module is loaded once per workflow thread and shared by every
 * workflow (worker/interceptor-modules.ts, WORKFLOW_PRELOAD_MODULES). Loaded with each workflow, each
 * cached workflow enabled an AsyncLocalStorage of its own, which Node then walked at every promise
 * the workflow thread created. Each way this project bundles the workflow code must preload it: the
 * worker process's bundle, a worker that bundles for itself, and the tests' prebuilt bundles.
 */
import fs from 'node:fs';
import { createLogger } from '../../telemetry/log';
import { bundleWorkflows } from '../../worker/bundle';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOW_PRELOAD_MODULES } from '../../worker/interceptor-modules';
import { workerInterceptors } from '../../worker/worker';

/** The body of the bundle's `preloadModules` entry: what the SDK loads before any workflow. */
function preloaded(code: string): string {
  const body = /exports\.preloadModules = function preloadModules\(\) \{([\s\S]*?)\n\}/.exec(code)?.[1];
  if (body === undefined) throw new Error('the bundle has no preloadModules entry');
  return body;
}

describe('the request-ID interceptors are one module for all workflows of a thread', () => {
  it('are among the preloaded modules', () => {
    expect(WORKFLOW_PRELOAD_MODULES).toEqual(expect.arrayContaining([...WORKFLOW_INTERCEPTOR_MODULES]));
  });

  it('the worker process bundles them preloaded (worker/bundle.ts)', async () => {
    const log = createLogger({ name: 'test', level: 'silent', format: 'json' });
    const { code } = await bundleWorkflows(log, { tracing: false });
    expect(preloaded(code)).toContain('workflows/interceptors');
  }, 60_000);

  it('a worker that bundles for itself is told to preload them', () => {
    expect(workerInterceptors({}).bundlerOptions?.preloadModules).toEqual([...WORKFLOW_PRELOAD_MODULES]);
    // A prebuilt bundle carries its own preloads; the SDK ignores bundler options beside one.
    expect(workerInterceptors({ workflowBundle: { code: '' } }).bundlerOptions).toBeUndefined();
  });

  it('the tests run prebuilt bundles that preload them (tests/global-setup.mjs)', () => {
    for (const file of [process.env.WORKFLOW_BUNDLE_PATH!, process.env.WORKFLOW_BUNDLE_TRACED_PATH!]) {
      expect(preloaded(fs.readFileSync(file, 'utf8'))).toContain('workflows/interceptors');
    }
  });
});
