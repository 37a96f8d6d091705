import http, { type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import { problemBody, Problem, PROBLEMS } from './problems';

/**
 * Node's HTTP parser refuses some requests before Koa runs (headers or URL too large, a request
 * it cannot parse): they are answered as problems too, never with an empty body.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new Problem('HEADERS_TOO_LARGE', 'the request line and headers are too large')
      : new Problem('BAD_REQUEST', 'the request is not valid HTTP/1.1');
  const status = PROBLEMS[problem.code];
  const body = JSON.stringify(problemBody(problem, ''));
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** The API's HTTP server: the Koa app, and problems for what the parser refuses. */
export function listen(app: Koa, port: number, host?: string): Promise<Server> {
  const server = http.createServer(app.callback());
  server.on('clientError', answerClientError);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
