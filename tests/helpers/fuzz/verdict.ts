/**
 * Judging the fuzz test's answers: no 5xx, and every 4xx a problem (application/problem+json with
 * a `code`, no stack); the failures listed by route at the end of each test.
 */
import type { Reply } from '../raw-http';

export interface Failure {
  route: string;
  where: string;
  value: string;
  as: string;
  status: number | 'no answer';
  problem: string;
}

export interface Findings {
  failures: Failure[];
  requests: number;
  /** What the API logged for a route's 5xx answers. */
  said: (route: string) => string[];
}

const hasStack = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && Object.entries(v).some(([k, x]) => k === 'stack' || hasStack(x));

/** Why this answer fails the rule (5xx; a 4xx that is not a problem with a code and no stack), or undefined. */
export function verdict(r: Reply): string | undefined {
  let body: any;
  try {
    body = r.text ? JSON.parse(r.text) : undefined;
  } catch {
    body = undefined;
  }
  const snippet = (body?.code ? `${body.code}: ${body.detail ?? ''}` : r.text || '(empty body)').replace(/\s+/g, ' ').slice(0, 140);
  if (r.status >= 500) return snippet;
  if (r.status >= 400) {
    if (!r.type.startsWith('application/problem+json')) return `not application/problem+json (${r.type || 'no content-type'}): ${snippet}`;
    if (typeof body?.code !== 'string') return `a problem without a code: ${snippet}`;
    if (hasStack(body) || /\n\s+at /.test(r.text)) return `a stack trace in the answer: ${snippet}`;
  }
  return undefined;
}

function report(title: string, { failures, requests, said: saidFor }: Findings): string {
  const byRoute = new Map<string, Failure[]>();
  for (const f of failures) byRoute.set(f.route, [...(byRoute.get(f.route) ?? []), f]);
  const lines = [`${failures.length} of ${requests} requests (${title}) failed:`];
  for (const [route, fs] of [...byRoute].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${route}`);
    const said = saidFor(route);
    if (said.length) lines.push(`    server logged: ${said.join(' | ')}`);
    for (const f of fs.sort((a, b) => `${a.where}${a.value}${a.as}`.localeCompare(`${b.where}${b.value}${b.as}`))) {
      lines.push(`    ${f.where} = ${f.value} (as ${f.as}) → ${f.status} ${f.problem}`);
    }
  }
  return lines.join('\n');
}

export function expectNoFailures(title: string, findings: Findings) {
  if (findings.failures.length) throw new Error(report(title, findings));
}
