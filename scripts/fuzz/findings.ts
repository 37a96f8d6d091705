// What Schemathesis recorded in its NDJSON event files, read into findings: every failed check,
// grouped by check, operation, method, answer and the gist of its message, with the shortest
// request seen as its reproduction.
import fs from 'node:fs';
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

export interface Recorded {
  request: { method: string; uri: string; headers?: Record<string, string[]>; body?: { $base64: string } };
  response?: { status_code: number; headers?: Record<string, string[]>; content?: { $base64: string } } | null;
}

export interface Sample {
  run: RunResult;
  recorded: Recorded;
  /** The Authorization header as Schemathesis generated it (anonymous runs), when it sent one. */
  generatedAuth?: string;
}

export interface Finding {
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

export const decode = (b?: { $base64: string }) => (b ? Buffer.from(b.$base64, 'base64') : undefined);
export const sizeOf = (r: Recorded) => r.request.uri.length + (decode(r.request.body)?.length ?? 0);

/** Headers Schemathesis adds that neither a reproduction nor a replay repeats. */
export const SKIPPED_HEADERS = /^(user-agent|x-schemathesis-|accept-encoding|accept$|connection|content-length)/i;

export function responseText(r: Recorded, limit = 400): string {
  let body = decode(r.response?.content ?? undefined)?.toString('utf8') ?? '';
  if (body.length > limit) body = `${body.slice(0, limit)}…`;
  return body;
}

/** The problem `code` of a JSON answer, if it has one. */
function problemCode(r: Recorded): string {
  try {
    return String(JSON.parse(decode(r.response?.content ?? undefined)?.toString('utf8') ?? '').code ?? '');
  } catch {
    return '';
  }
}

function eventFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson'))
    .map((f) => path.join(dir, f));
}

export interface Recording {
  findings: Map<string, Finding>;
  /** Schemathesis's own errors, one line each. */
  errors: string[];
  /** The runs that had one. */
  erred: Set<string>;
}

export function readFindings(results: RunResult[]): Recording {
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
  return { findings, errors, erred };
}
