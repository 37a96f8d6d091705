import type { Family } from '../helpers/factories';
import { signedAction, signer } from '../helpers/pki';

/** How one family's filing ended, and what it took. */
export interface FilingOutcome {
  family: Family;
  /** The application's number: from the 201, or from DUPLICATE_APPLICATION when an earlier try had landed. */
  number: string;
  /** 201, or 409 when an earlier attempt (whose answer was lost) had filed it. */
  status: 201 | 409;
  /** Attempts that got no answer (the API died or was down) or a 5xx, each retried at the next API. */
  retried: number;
  /** The APIs that answered, in order. */
  answeredBy: string[];
}

const RETRYABLE = new Set([500, 502, 503, 504]);
const MAX_ATTEMPTS = 12;

interface Reply {
  status: number;
  body: any;
}

async function post(url: string, path: string, body: unknown, token?: string, method = 'POST'): Promise<Reply> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * A portal that files through several APIs: it sends each request to the next API in turn and, when
 * one dies or is down (no answer, or a 5xx), sends it again to the next. A signed document whose
 * nonce the dead API had recorded comes back NONCE_REPLAYED: the portal signs again, and a filing
 * the dead API had already made comes back DUPLICATE_APPLICATION with its number (R2.5).
 */
export class RetryingFiler {
  private next = 0;
  private sessions = new Map<string, string>();

  constructor(private readonly apis: string[]) {}

  /** Runs `send` against the next API, and on to the next while none answers. */
  private async send(what: string, send: (url: string) => Promise<Reply>, retried: { n: number; answeredBy: string[] }): Promise<Reply> {
    for (let attempt = 1; ; attempt++) {
      const url = this.apis[this.next++ % this.apis.length]!;
      const reply = await send(url).catch((err: Error) => ({ status: 0, body: err.message }));
      if (reply.status && !RETRYABLE.has(reply.status)) {
        retried.answeredBy.push(url);
        return reply;
      }
      retried.n++;
      if (attempt >= MAX_ATTEMPTS) throw new Error(`${what}: no API answered in ${attempt} attempts (last: ${reply.status} ${JSON.stringify(reply.body)})`);
      await new Promise((r) => setTimeout(r, Math.min(200 * attempt, 2000)));
    }
  }

  private async login(iin: string, retried: { n: number; answeredBy: string[] }): Promise<string> {
    const known = this.sessions.get(iin);
    if (known) return known;
    // A challenge signed by one API is good at any (they share the key), and so is the session.
    const challenge = await this.send('challenge', (url) => post(url, '/api/v1/auth/challenge', {}), retried);
    const proof = await signer.login(iin, challenge.body.xml, 'individual');
    const res = await this.send('login', (url) => post(url, '/api/v1/auth/login', proof), retried);
    if (res.status !== 200) throw new Error(`login of ${iin}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.emailRequired) {
      const email = await this.send('e-mail', (url) => post(url, '/api/v1/me/email', { email: `${iin}@example.kz` }, res.body.token, 'PUT'), retried);
      if (email.status >= 300) throw new Error(`e-mail of ${iin}: ${email.status} ${JSON.stringify(email.body)}`);
    }
    this.sessions.set(iin, res.body.token);
    return res.body.token;
  }

  async file(family: Family): Promise<FilingOutcome> {
    const retried = { n: 0, answeredBy: [] as string[] };
    const token = await this.login(family.parentIin, retried);
    const fields = { regionCode: 'almaty', queueType: 'general', childIin: family.childIin, benefitCategory: 'none', language: 'kk', contacts: { email: 'p@example.kz', phone: '+77010000000' } };
    for (let signing = 1; signing <= 3; signing++) {
      const body = await signedAction(family.parentIin, 'fileApplication', fields);
      const res = await this.send(`filing for ${family.childIin}`, (url) => post(url, '/api/v1/applications', body, token), retried);
      if (res.status === 201) return { family, number: res.body.number, status: 201, retried: retried.n, answeredBy: retried.answeredBy };
      if (res.status === 409 && res.body?.code === 'DUPLICATE_APPLICATION') {
        return { family, number: res.body.existingNumber, status: 409, retried: retried.n, answeredBy: retried.answeredBy };
      }
      if (!(res.status === 409 && res.body?.code === 'NONCE_REPLAYED')) throw new Error(`filing for ${family.childIin}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    throw new Error(`filing for ${family.childIin}: NONCE_REPLAYED three times`);
  }
}
