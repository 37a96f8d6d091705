// The findings as markdown (written to summary.md and printed): by check, then by operation and
// answer, each with a curl command that reproduces it; and whether they fail the command.
import path from 'node:path';
import { decode, responseText, SKIPPED_HEADERS, type Finding, type Recorded, type Recording, type RunResult, type Sample } from './findings';

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

function answer(r: Recorded): string {
  if (!r.response) return 'no response';
  const type = r.response.headers?.['content-type']?.[0] ?? '';
  return `${r.response.status_code} ${type}\n      ${responseText(r).replace(/\n/g, '\n      ')}`;
}

export interface RenderOptions {
  seed: number;
  apiUrl: string;
  /** The checks whose failures fail the command ('all', or check names). */
  failOn: string[];
}

export function render(results: RunResult[], { findings, errors, erred }: Recording, options: RenderOptions): { text: string; failed: boolean } {
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
