import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Whether the API is shutting down: /readyz reads it and answers 503 from the first moment. */
export interface Lifecycle {
  draining: boolean;
}

export interface GracefulServer {
  /**
   * Marks the lifecycle draining, refuses new connections and closes idle keep-alive ones at once;
   * requests in flight run to completion, each answered with `Connection: close`. Those still
   * running after `graceMs` are cut. Resolves, once every connection is closed, with how many
   * connections were cut.
   */
  close(graceMs: number): Promise<{ cut: number }>;
}

/**
 * Watches a server's requests from its start, so that at shutdown the ones in flight are known:
 * Node's `server.close()` alone waits for them but keeps their connections alive afterwards, and
 * a keep-alive client would hold the process open until its idle timeout.
 */
export function graceful(server: Server, lifecycle: Lifecycle): GracefulServer {
  const inFlight = new Set<ServerResponse>();
  const closeAfterAnswer = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    // A request that came on a kept-alive connection while draining is answered, then its connection closed.
    if (lifecycle.draining) closeAfterAnswer(res);
  });

  return {
    async close(graceMs) {
      lifecycle.draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of inFlight) closeAfterAnswer(res);
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      const outcome = await Promise.race([closed, late]);
      clearTimeout(timer);
      if (outcome !== 'late') return { cut: 0 };
      const cut = await new Promise<number>((resolve) => server.getConnections((err, n) => resolve(err ? inFlight.size : n)));
      server.closeAllConnections();
      await closed;
      return { cut };
    },
  };
}
