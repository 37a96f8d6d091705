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
 * Loaded once per workflow thread, before any workflow, and shared by all (the bundler's
 * `preloadModules`): the request-ID interceptors' AsyncLocalStorage is then one, as the SDK's own
 * cancellation-scope storage is. Loaded with each workflow instead, each cached workflow enabled a
 * storage of its own, and Node walks every enabled storage at every promise the workflow thread
 * creates — up to the cache's 1,000 at each (README, "Benchmarks"). The module keeps no
 * per-workflow state: a store follows the handler's awaits, whichever workflow runs it.
 */
export const WORKFLOW_PRELOAD_MODULES: readonly string[] = WORKFLOW_INTERCEPTOR_MODULES;

/**
 * Carried only by a traced worker's bundle: its spans leave the sandbox through the `exporter`
 * sink, which only a traced worker registers (an untraced one would log each call as an error).
 */
export const TRACING_INTERCEPTOR_MODULE = workflowModule('tracing-interceptors');

export function workflowInterceptorModules(opts: { tracing: boolean }): string[] {
  return opts.tracing ? [TRACING_INTERCEPTOR_MODULE, ...WORKFLOW_INTERCEPTOR_MODULES] : [...WORKFLOW_INTERCEPTOR_MODULES];
}

/**
 * What every bundling of the workflow code passes the bundler (worker/bundle.ts, a worker bundling
 * for itself, tests/global-setup.mjs): the interceptor modules a worker of this `tracing` runs with,
 * and the modules preloaded among them.
 */
export function workflowBundleOptions(opts: { tracing: boolean }): { workflowInterceptorModules: string[]; preloadModules: string[] } {
  return { workflowInterceptorModules: workflowInterceptorModules(opts), preloadModules: [...WORKFLOW_PRELOAD_MODULES] };
}
