import path from 'node:path';

/**
 * The workflow interceptor modules, one list for every way the workflow code is bundled: by
 * Worker.create (worker/worker.ts, worker/documents.ts), by the worker process bundling once, by
 * tests/global-setup.mjs. A prebuilt bundle carries its interceptors; the worker cannot add any.
 * Paths without an extension, which the bundler completes (.ts here, .js in dist/): under tsx,
 * require.resolve tags a path with the loader's namespace (`?namespace=…`).
 */
const workflowModule = (name: string): string => path.join(__dirname, '..', 'workflows', name);

/** Carried by every bundle: the request ID on workflow log lines and activity headers. */
export const WORKFLOW_INTERCEPTOR_MODULES: readonly string[] = [workflowModule('interceptors')];

/**
 * Carried only by a traced worker's bundle: its spans leave the sandbox through the `exporter`
 * sink, which only a traced worker registers (an untraced one would log each call as an error).
 */
export const TRACING_INTERCEPTOR_MODULE = workflowModule('tracing-interceptors');

export function workflowInterceptorModules(opts: { tracing: boolean }): string[] {
  return opts.tracing ? [TRACING_INTERCEPTOR_MODULE, ...WORKFLOW_INTERCEPTOR_MODULES] : [...WORKFLOW_INTERCEPTOR_MODULES];
}
