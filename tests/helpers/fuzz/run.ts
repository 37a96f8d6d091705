/** Sending the fuzz cases, each as every identity of its route's role, a few at a time, and judging each answer. */
import { pool } from '../../../scripts/bench/load';
import { viaFetch, viaSocket, type RawRequest, type Reply } from '../raw-http';
import type { Case } from './cases';
import type { ServerErrorLog } from './server-errors';
import { verdict, type Failure, type Findings } from './verdict';

/** Who sends a route's cases: a person of its role (each, where a role has several kinds) and anonymously. */
export interface People {
  parent: string;
  staff: string;
  /** ПМПК staff (R8.3). */
  pmpk: string;
  operator: string;
  nationalOperator: string;
}

interface Identity {
  name: string;
  iin?: string;
}

function identities(role: string, people: People): Identity[] {
  const anonymous = { name: 'anonymous' };
  switch (role) {
    case 'anyone':
      return [anonymous];
    case 'logged in':
    case 'applicant':
      return [{ name: 'parent', iin: people.parent }, anonymous];
    case 'kindergarten_staff':
      return [{ name: 'kindergarten_staff', iin: people.staff }, anonymous];
    case 'pmpk_staff':
      return [{ name: 'pmpk_staff', iin: people.pmpk }, anonymous];
    case 'operator':
      return [{ name: 'operator (Almaty)', iin: people.operator }, { name: 'operator (national)', iin: people.nationalOperator }, anonymous];
    default:
      return [anonymous];
  }
}

export interface RunnerOptions {
  baseUrl: string;
  login: (iin: string) => Promise<string>;
  people: People;
  /** Cleared as each run starts: what is in it afterwards is that run's. */
  serverErrors: ServerErrorLog;
  concurrency: number;
}

export function caseRunner({ baseUrl, login, people, serverErrors, concurrency }: RunnerOptions): (cases: Case[]) => Promise<Findings> {
  /** One session per person per route: a route that ends its session (logout) spoils no other. */
  const sessions = new Map<string, Promise<string>>();
  const tokenOf = (iin: string, route: string) => {
    const key = `${route} ${iin}`;
    if (!sessions.has(key)) sessions.set(key, login(iin));
    return sessions.get(key)!;
  };

  return async (cases) => {
    serverErrors.clear();
    const failures: Failure[] = [];
    const tasks = cases.flatMap((c) => {
      const ids = identities(c.op.role, people);
      return ids.map((id) => ({ c, id }));
    });
    const built = new Map<Case, Map<string, Promise<RawRequest>>>();
    const request = (c: Case, iin: string | undefined) => {
      // The signing person is the role's person; an anonymous request reuses what they built.
      const signer = iin ?? identities(c.op.role, people).find((i) => i.iin)?.iin;
      const byIin = built.get(c) ?? new Map<string, Promise<RawRequest>>();
      built.set(c, byIin);
      const k = signer ?? '';
      if (!byIin.has(k)) byIin.set(k, c.build(signer));
      return byIin.get(k)!;
    };
    await pool(tasks, concurrency, async ({ c, id }) => {
      const fail = (status: Failure['status'], problem: string) =>
        failures.push({ route: c.op.key, where: c.where, value: c.value, as: id.name, status, problem });
      let reply: Reply;
      try {
        const req = await request(c, id.iin);
        const token = id.iin ? await tokenOf(id.iin, c.op.key) : undefined;
        reply = c.socket ? await viaSocket(baseUrl, req, token) : await viaFetch(baseUrl, req, token);
      } catch (err) {
        fail('no answer', (err as Error).message);
        return;
      }
      const why = verdict(reply);
      if (why) fail(reply.status, why);
    });
    return { failures, requests: tasks.length, said: (route) => serverErrors.saidFor(route) };
  };
}
