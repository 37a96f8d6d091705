import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../api/app';
import { listen } from '../../api/server';

export interface AppBeside {
  url: string;
  /** fetch on this app: `path` is joined to its URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Another API beside the harness's (startApi), on its own port, made from the harness's deps with
 * some changed: other limits, another challenge key, a proxy trusted. `host` '::' listens dual-stack,
 * as api/main.ts does.
 */
export async function serveBeside(deps: AppDeps, host = '127.0.0.1'): Promise<AppBeside> {
  const server = await listen(createApp(deps), 0, host);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    fetch: (path, init) => fetch(url + path, init),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
