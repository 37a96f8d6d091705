// The findings of the fuzz runs, from Schemathesis's NDJSON event files: every failed check, grouped
// by check, then by operation and answer, each with the shortest request seen as its reproduction.
// Server errors are sent once more, one at a time, to read their cause from the API's log.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export interface RunResult {
  name: string;
  /** What the run was made as: anonymous, or the role whose token it sent. */
  role: string;
  exitCode: number;
  seconds: number;
  /** Its --report-dir. */
  dir: string;
}

interface Recorded {
  request: { method: string; uri: string; headers?: Record<string, string[]>; body?: { $base64: string } };
  response?: { status_code: number; headers?: Record<string, string[]>; content?: { $base64: string } } | null;
}

interface Sample {
  run: RunResult;
  recorded: Recorded;
  /** The Authorization header as Schemathesis generated it (anonymous runs), when it sent one. */
  generatedAuth?: string;
}

interface Finding {
  check: string;
  code: string;
  title: string;
  method: string;
  /** Operations as the schema names them (several for an undeclared method answered alike everywhere). */
  operations: Set<string>;
  undeclared: boolean;
  status: number | undefined;
  message: string;
  runs: Set<string>;
  /** The shortest request seen: the reproduction. */
  example: Sample;
  /** Server errors: every failing request, to replay for its cause. */
  samples: Sample[];
  /** Server errors: the causes the API logged when the requests were replayed. */
  causes: Set<string>;
}

export interface SummaryOptions {
  seed: number;
  apiUrl: string;
  /** The API's log, where it writes `METHOD /path failed <error>` for every 500. */
  apiLog: string;
  /** A live session of the role, to replay server errors with; undefined for anonymous. */
  tokenFor(role: string): Promise<string | undefined>;
  /** The checks whose failures fail the command ('all', or check names). */
  failOn: string[];
}

const decode = (b?: { $base64: string }) => (b ? Buffer.from(b.$base64, 'base64') : undefined);
const sizeOf = (r: Recorded) => r.request.uri.length + (decode(r.request.body)?.length ?? 0);

/** A word for the shell: single quotes, or $'…' with escapes where the bytes are not printable. */
function shellWord(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const b of Buffer.from(s, 'utf8')) {
    if (b === 0x27 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

const SKIPPED_HEADERS = /^(user-agent|x-schemathesis-|accept-encoding|accept$|connection|content-length)/i;

/** The header to send for the recorded one: the role's token where Schemathesis filtered it out. */
function authValue(s: Sample, value: string): string | undefined {
  if (value !== '[Filtered]') return value;
  if (s.run.role !== 'anonymous') return `Bearer $${s.run.role.toUpperCase()}_TOKEN`;
  return s.generatedAuth;
}

function curl(s: Sample, apiUrl: string): string {
  const { request } = s.recorded;
  const url = request.uri.replace(apiUrl, '$API');
  const parts = ['curl', '-sS', '-i', '-X', request.method, /["\\`]/.test(url) ? shellWord(url) : `"${url}"`];
  for (const [name, values] of Object.entries(request.headers ?? {})) {
    if (SKIPPED_HEADERS.test(name)) continue;
    for (const raw of values) {
      const value = name.toLowerCase() === 'authorization' ? authValue(s, raw) : raw;
      if (value === undefined) continue;
      parts.push('-H', value.includes('$') && !/["\\`]/.test(value) ? `"${name}: ${value}"` : shellWord(`${name}: ${value}`));
    }
  }
  const body = decode(request.body);
  if (body && body.length > 0) parts.push('--data-binary', shellWord(body.toString('utf8')));
  return parts.join(' ');
}

function responseText(r: Recorded, limit = 400): string {
  let body = decode(r.response?.content ?? undefined)?.toString('utf8') ?? '';
  if (body.length > limit) body = `${body.slice(0, limit)}…`;
  return body;
}

function answer(r: Recorded): string {
  if (!r.response) return 'no response';
  const type = r.response.headers?.['content-type']?.[0] ?? '';
  return `${r.response.status_code} ${type}\n      ${responseText(r).replace(/\n/g, '\n      ')}`;
}

/** The problem `code` of a JSON answer, if it has one. */
function problemCode(r: Recorded): string {
  try {
    return String(JSON.parse(decode(r.response?.content ?? undefined)?.toString('utf8') ?? '').code ?? '');
  } catch {
    return '';
  }
}

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

function eventFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .map((f) => path.join(dir, f));
}

const MAX_REPLAYS = 400;

export async function summarise(results: RunResult[], options: SummaryOptions): Promise<{ text: string; failed: boolean }> {
  const findings = new Map<string, Finding>();
  const errors: string[] = [];
  const erred = new Set<string>();
  for (const run of results) {
    for (const file of eventFiles(run.dir)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        const event = JSON.parse(line) as Record<string, any>;
        const [kind, data] = Object.entries(event)[0]!;
        if (kind === 'NonFatalError' || kind === 'FatalError') {
          erred.add(run.name);
          errors.push(`${run.name}: ${kind} ${data.label ?? ''} ${JSON.stringify(data.info ?? data.exception ?? data).slice(0, 600)}`);
          continue;
        }
        if (kind !== 'ScenarioFinished') continue;
        // A skipped scenario (no examples in the schema) records no checks.
        const recorder = data.recorder as { checks?: Record<string, any[]>; interactions?: Record<string, Recorded>; cases?: Record<string, any> };
        for (const [caseId, checks] of Object.entries(recorder.checks ?? {})) {
          for (const check of checks) {
            if (check.status !== 'failure') continue;
            const failure = check.failure_info?.failure ?? {};
            const recorded = recorder.interactions?.[caseId];
            if (!recorded) continue;
            const operation = String(failure.operation ?? recorder.cases?.[caseId]?.value?.path ?? '');
            const method = recorded.request.method;
            const undeclared = method !== operation.split(' ')[0];
            const status = recorded.response?.status_code;
            const message = String(failure.message ?? '');
            // Generated values vary from case to case: what tells findings apart is the check, the
            // operation (any, for an undeclared method), the method, the answer and the message's gist.
            const gist = (message.split('\n')[0] ?? '').replace(/`[^`]*`/g, '`…`').replace(/\d{3,}/g, 'N');
            const answerKey = undeclared ? responseText(recorded, 60) : problemCode(recorded);
            const key = [check.name, undeclared ? '*' : operation, method, status, answerKey, gist].join('|');
            const sample: Sample = { run, recorded, generatedAuth: run.role === 'anonymous' ? recorder.cases?.[caseId]?.value?.meta?.raw_containers?.header?.Authorization : undefined };
            const f = findings.get(key);
            if (f) {
              f.runs.add(run.name);
              f.operations.add(operation);
              if (sizeOf(recorded) < sizeOf(f.example.recorded)) f.example = sample;
              if (status !== undefined && status >= 500) f.samples.push(sample);
              continue;
            }
            findings.set(key, {
              check: check.name,
              code: failure.code ?? '',
              title: failure.title ?? '',
              method,
              operations: new Set([operation]),
              undeclared,
              status,
              message,
              runs: new Set([run.name]),
              example: sample,
              samples: status !== undefined && status >= 500 ? [sample] : [],
              causes: new Set(),
            });
          }
        }
      }
    }
  }

  // Each server error once more, alone, to read its cause in the API's log: one finding per cause.
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
      const causes = await replay(s, await options.tokenFor(s.run.role), options.apiLog);
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

  const out: string[] = [];
  out.push('# Schemathesis findings', '');
  out.push(`Seed ${options.seed} (again: npm run fuzz -- --seed ${options.seed}). Runs:`, '');
  for (const r of results) out.push(`- ${r.name}: exit ${r.exitCode}, ${r.seconds} s, reports in ${path.relative(process.cwd(), r.dir)}/`);
  out.push('');
  const byCheck = new Map<string, Finding[]>();
  for (const f of findings.values()) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f]);
  if (byCheck.size === 0 && errors.length === 0) out.push('No check failed.', '');
  const order = (c: string) => (c === 'not_a_server_error' ? 0 : 1);
  for (const [check, list] of [...byCheck].sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0]))) {
    out.push(`## ${check} (${list[0]!.code} ${list[0]!.title}): ${list.length}`, '');
    const name = (f: Finding) => (f.undeclared ? `${f.method} (undeclared)` : [...f.operations][0]!);
    list.sort((a, b) => name(a).localeCompare(name(b)));
    for (const f of list) {
      const where = f.undeclared
        ? `${f.method} (a method the schema does not declare) on ${f.operations.size} operation${f.operations.size > 1 ? 's' : ''}`
        : name(f);
      out.push(`### ${where} → ${f.status ?? 'no response'} [runs: ${[...f.runs].sort().join(', ')}]`);
      if (f.undeclared) out.push('', `    operations: ${[...f.operations].sort().join('; ')}`);
      if (f.message) out.push('', ...f.message.split('\n').filter(Boolean).map((l) => `    ${l}`));
      out.push('', `    ${curl(f.example, options.apiUrl)}`, `    → ${answer(f.example.recorded)}`);
      for (const c of f.causes) out.push(`    the API logged: ${c}`);
      out.push('');
    }
  }
  if (errors.length > 0) out.push('## Schemathesis errors', '', ...errors.map((e) => `- ${e}`), '');
  out.push('The requests use $API for the API and $PARENT_TOKEN, $STAFF_TOKEN, $OPERATOR_TOKEN for sessions: `npm run fuzz -- --serve` starts a stack and prints them.', '');
  // What fails the command: the failures of the checks named in failOn (all of them by default),
  // Schemathesis's own errors, and a run that exited non-zero with nothing here to show for it.
  const counted = [...findings.values()].filter((f) => options.failOn.includes('all') || options.failOn.includes(f.check));
  const explained = new Set([...findings.values()].flatMap((f) => [...f.runs]).concat([...erred]));
  const unexplained = results.filter((r) => r.exitCode !== 0 && !explained.has(r.name));
  for (const r of unexplained) out.push(`Run ${r.name} exited ${r.exitCode} without a finding: see its output above.`, '');
  if (!options.failOn.includes('all')) {
    out.push(`Only the failures of ${options.failOn.join(', ')} fail the command (--fail-on): ${counted.length} of ${findings.size}.`, '');
  }
  const counts = [...byCheck].map(([c, l]) => `${c} ${l.length}`).join(', ');
  out.push(
    `fuzz: ${results.length} runs; ${findings.size} distinct failures` +
      (findings.size ? ` (${counts})` : '') +
      (errors.length ? `; ${errors.length} Schemathesis errors` : ''),
  );
  return { text: `${out.join('\n')}\n`, failed: counted.length > 0 || errors.length > 0 || unexplained.length > 0 };
}
