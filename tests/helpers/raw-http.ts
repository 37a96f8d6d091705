/**
 * Sending a request and reading its answer as text, by fetch or, for what fetch refuses to send
 * (NUL, control characters and non-Latin-1 bytes in header values), by HTTP/1.1 over a plain socket.
 */
import net from 'node:net';

export interface Reply {
  status: number;
  type: string;
  text: string;
}

export interface RawRequest {
  method: string;
  /** Path and query, already percent-encoded. */
  url: string;
  body?: string;
  /** Extra headers, sent as raw bytes (so NUL, control characters and WTF-8 go as they are). */
  rawHeaders?: Array<[string, Buffer]>;
}

export async function viaFetch(baseUrl: string, req: RawRequest, token?: string): Promise<Reply> {
  const res = await fetch(baseUrl + req.url, {
    method: req.method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: req.body,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** HTTP/1.1 over a plain socket: fetch refuses NUL, control characters and non-Latin-1 in header values. */
export function viaSocket(baseUrl: string, req: RawRequest, token?: string): Promise<Reply> {
  const { hostname, port } = new URL(baseUrl);
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  const lines: Buffer[] = [Buffer.from(`${req.method} ${req.url} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n`)];
  if (token) lines.push(Buffer.from(`Authorization: Bearer ${token}\r\n`));
  for (const [name, value] of req.rawHeaders ?? []) lines.push(Buffer.concat([Buffer.from(`${name}: `), value, Buffer.from('\r\n')]));
  if (body) lines.push(Buffer.from(`Content-Type: application/json\r\nContent-Length: ${body.length}\r\n`));
  else if (['POST', 'PUT', 'PATCH'].includes(req.method)) lines.push(Buffer.from('Content-Length: 0\r\n'));
  lines.push(Buffer.from('\r\n'));
  if (body) lines.push(body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // No half-close: `Connection: close` has the server end the connection once it has answered.
    const socket = net.connect(Number(port), hostname, () => socket.write(Buffer.concat(lines)));
    socket.setTimeout(20_000, () => socket.destroy(new Error('no answer in 20 s')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer (${all.length} bytes)`));
      const head = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers = new Map(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const raw = all.subarray(split + 4);
      const text = (headers.get('transfer-encoding') === 'chunked' ? dechunk(raw) : raw).toString('utf8');
      resolve({ status: Number(head[0]!.split(' ')[1]), type: headers.get('content-type') ?? '', text });
    });
  });
}
