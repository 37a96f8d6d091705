// Server errors sent once more, one at a time, to read their cause from the API's log: a finding
// whose requests the API logged different causes for becomes one finding per cause.
import fs from 'node:fs';
import http from 'node:http';
import { decode, sizeOf, SKIPPED_HEADERS, type Finding, type Sample } from './findings';

/** The cause of a logged failure: knex's `<sql> - <PostgreSQL message>`, else the error's first line. */
function causeOf(logged: string): string {
  const knex = logged.lastIndexOf(' - ');
  const cause = knex >= 0 && /^error: (select|insert|update|delete|with)\b/i.test(logged) ? logged.slice(knex + 3) : logged;
  return cause.slice(0, 300);
}

/** Sends a recorded request again (any method: fetch refuses TRACE) and reads what the API logged meanwhile. */
async function replay(s: Sample, token: string | undefined, apiLog: string): Promise<string[]> {
  const { request } = s.recorded;
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(request.headers ?? {})) {
    if (SKIPPED_HEADERS.test(name) || values.length === 0) continue;
    if (name.toLowerCase() === 'authorization' && values[0] === '[Filtered]') {
      const value = s.run.role === 'anonymous' ? s.generatedAuth : token && `Bearer ${token}`;
      if (value !== undefined) headers[name] = value;
    } else headers[name] = values[0]!;
  }
  const before = fs.existsSync(apiLog) ? fs.statSync(apiLog).size : 0;
  // A header Node refuses to send (a NUL, a control character) cannot be replayed: its cause stays unread.
  const sendable = Object.entries(headers).every(([name, value]) => {
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
      return true;
    } catch {
      return false;
    }
  });
  if (!sendable) return [];
  await new Promise<void>((resolve) => {
    const req = http.request(request.uri, { method: request.method, headers, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => resolve());
    req.on('timeout', () => req.destroy());
    req.end(decode(request.body));
  });
  await new Promise((r) => setTimeout(r, 50));
  if (!fs.existsSync(apiLog)) return [];
  const fd = fs.openSync(apiLog, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - before));
    fs.readSync(fd, buf, 0, buf.length, before);
    const pathname = new URL(request.uri).pathname;
    const marker = new RegExp(`^${request.method} (\\S+) failed (.*)$`);
    const causes: string[] = [];
    for (const line of buf.toString('utf8').split('\n')) {
      const m = marker.exec(line);
      if (m && (m[1] === pathname || m[1] === safeDecode(pathname))) causes.push(causeOf(m[2]!));
    }
    return causes;
  } finally {
    fs.closeSync(fd);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const MAX_REPLAYS = 400;

/** `apiLog`: where the API writes `METHOD /path failed <error>` for every 500; `tokenFor`: a live session of a role, undefined for anonymous. */
export async function splitByCause(findings: Map<string, Finding>, apiLog: string, tokenFor: (role: string) => Promise<string | undefined>): Promise<void> {
  let replays = 0;
  const replayed = new Set<string>();
  for (const [key, f] of [...findings]) {
    if (f.samples.length === 0 || f.undeclared) continue;
    const byCause = new Map<string, Sample[]>();
    for (const s of f.samples.sort((a, b) => sizeOf(a.recorded) - sizeOf(b.recorded))) {
      const id = `${s.run.role} ${s.recorded.request.method} ${s.recorded.request.uri} ${s.recorded.request.body?.$base64 ?? ''}`;
      if (replayed.has(id) || replays >= MAX_REPLAYS) continue;
      replayed.add(id);
      replays++;
      const causes = await replay(s, await tokenFor(s.run.role), apiLog);
      // Values in the message (`value "2147483648" is out of range`) differ between cases of one cause.
      const cause = causes[0] ? causes[0].replace(/"-?\d+(\.\d+)?"/g, '"N"') : 'no cause logged when sent again (not reproduced alone?)';
      byCause.set(cause, [...(byCause.get(cause) ?? []), s]);
      for (const c of causes) f.causes.add(c);
    }
    if (byCause.size <= 1) continue;
    findings.delete(key);
    for (const [cause, samples] of byCause) {
      findings.set(`${key}|${cause}`, {
        ...f,
        runs: new Set(samples.map((s) => s.run.name)),
        example: samples[0]!,
        samples,
        causes: new Set([cause]),
      });
    }
  }
}
