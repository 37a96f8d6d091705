import http, { type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { Problem, problemBody, PROBLEMS } from './problems';

function sendProblem(res: http.ServerResponse, problem: Problem, instance: string, headers: Record<string, string> = {}): void {
  res.writeHead(PROBLEMS[problem.code], { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify(problemBody(problem, instance)));
}

/**
 * The API's Prometheus endpoint, GET /metrics, on a port of its own (METRICS_PORT): what it tells —
 * routes, load, the service's figures — is for the operators' network, not the public API's.
 */
export function serveMetrics(registry: Registry, port: number, host?: string): Promise<Server> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics') return sendProblem(res, new Problem('NOT_FOUND', 'only /metrics is served here'), path);
    if (req.method !== 'GET') return sendProblem(res, new Problem('METHOD_NOT_ALLOWED', 'GET /metrics'), path, { allow: 'GET' });
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      },
      (err) => {
        console.error('metrics could not be collected', err);
        sendProblem(res, new Problem('INTERNAL', 'the metrics could not be collected'), path);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
