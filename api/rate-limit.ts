import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Config } from '../config';
import { Problem } from './problems';
import type { AnyRoute } from './route';

/**
 * Limits on what anyone may ask without logging in (login challenges, logins, the public look-ups
 * and lists), counted per client address in this process. A route takes part by naming its policy
 * in the route table (`limit`); the OpenAPI document says 429 and the RateLimit headers for exactly
 * those operations. N API processes allow N times the limit: no store is shared (README, "Limits").
 */

/** The policies a route may name; each is its own quota per address. */
export type LimitPolicy = 'anonymous';

export interface LimitSettings {
  /** Requests one client address may make to the routes of the `anonymous` policy in a minute. */
  anonymousPerMinute: number;
  /** Addresses or CIDR ranges never limited (a load generator's, a monitor's). */
  exempt: readonly string[];
  /** Addresses counted at once; past it the oldest window is forgotten, so memory stays bounded. */
  maxTrackedAddresses?: number;
}

export function limitSettings(config: Pick<Config, 'RATE_LIMIT_ANONYMOUS_PER_MINUTE' | 'RATE_LIMIT_EXEMPT'>): LimitSettings {
  return { anonymousPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE, exempt: config.RATE_LIMIT_EXEMPT };
}

/** What a process without settings limits by: the configuration's defaults. */
export const DEFAULT_LIMITS: LimitSettings = { anonymousPerMinute: 60, exempt: [] };

const WINDOW_SECONDS = 60;
const DEFAULT_MAX_TRACKED = 100_000;

export interface Taken {
  allowed: boolean;
  remaining: number;
  /** Whole seconds until the window resets, at least 1. */
  resetSeconds: number;
}

/**
 * A fixed window per key, starting at the key's first request. Every window is as long as every
 * other, so the map's insertion order is the order windows end in: expired ones are dropped from
 * its front on each request, and when `maxKeys` are tracked the one ending soonest goes first.
 * A monotonic clock: a wall clock set back would stretch every window.
 */
export class FixedWindows {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    readonly quota: number,
    readonly windowMs: number,
    readonly maxKeys = DEFAULT_MAX_TRACKED,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts one request of `key`. */
  take(key: string): Taken {
    const now = this.now();
    for (const [k, w] of this.windows) {
      if (w.endsAt > now) break;
      this.windows.delete(k);
    }
    let w = this.windows.get(key);
    if (!w) {
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      w = { count: 0, endsAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count = Math.min(w.count + 1, this.quota + 1);
    return { allowed: w.count <= this.quota, remaining: this.quota - Math.min(w.count, this.quota), resetSeconds: Math.max(1, Math.ceil((w.endsAt - now) / 1000)) };
  }

  /** Keys tracked now. */
  get size(): number {
    return this.windows.size;
  }
}

/** An IPv4-mapped IPv6 address (what a dual-stack listener sees of an IPv4 client) as plain IPv4. */
export function plainAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1]! : ip.replace(/%.*$/, '');
}

/** The first 64 bits of an IPv6 address: one subscriber's network, however many addresses they use in it. */
function ipv6Network(ip: string): string {
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** The key a client address is counted under: IPv4 by address, IPv6 by its /64. */
export function clientKey(ip: string): string {
  const address = plainAddress(ip);
  return isIPv6(address) ? ipv6Network(address) : address || 'unknown';
}

/** RATE_LIMIT_EXEMPT as a block list; an entry that is not an address or a CIDR range stops the process at start. */
export function exemptList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const plain = plainAddress(address);
    const type = isIPv4(plain) ? 'ipv4' : isIPv6(plain) ? 'ipv6' : undefined;
    const bits = prefix === undefined ? undefined : Number(prefix);
    if (!type || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (type === 'ipv4' ? 32 : 128)))) {
      throw new Error(`RATE_LIMIT_EXEMPT: ${JSON.stringify(entry)} is neither an IP address nor a CIDR range`);
    }
    if (bits === undefined) list.addAddress(plain, type);
    else list.addSubnet(plain, bits, type);
  }
  return list;
}

const isExempt = (list: BlockList, ip: string) => {
  const address = plainAddress(ip);
  return (isIPv4(address) && list.check(address, 'ipv4')) || (isIPv6(address) && list.check(address, 'ipv6'));
};

/**
 * The RateLimit fields of draft-ietf-httpapi-ratelimit-headers-10 (September 2025), Structured
 * Fields syntax: `RateLimit-Policy: "anonymous";q=60;w=60` (the quota and its window in seconds)
 * and `RateLimit: "anonymous";r=59;t=42` (what is left and the seconds until the window resets).
 */
function setRateLimitFields(ctx: Context, policy: LimitPolicy, quota: number, taken: Taken): void {
  ctx.set('RateLimit-Policy', `"${policy}";q=${quota};w=${WINDOW_SECONDS}`);
  ctx.set('RateLimit', `"${policy}";r=${taken.remaining};t=${taken.resetSeconds}`);
}

/**
 * The limit middleware: runs before the body is read, so a refused request costs no parsing. It
 * finds the route with a router of the limited routes alone, made like the API's (the same
 * matching: case, trailing slash, HEAD for GET), so no spelling of a path reaches a limited route
 * unlimited.
 */
export function rateLimit(routes: readonly AnyRoute[], settings: LimitSettings = DEFAULT_LIMITS) {
  const quotas: Record<LimitPolicy, number> = { anonymous: settings.anonymousPerMinute };
  const counters = { anonymous: new FixedWindows(quotas.anonymous, WINDOW_SECONDS * 1000, settings.maxTrackedAddresses) } satisfies Record<LimitPolicy, FixedWindows>;
  const exempt = exemptList(settings.exempt);
  const limited = new Router();
  const policies = new Map<string, LimitPolicy>();
  for (const r of routes) {
    if (!r.limit) continue;
    policies.set(r.operationId, r.limit);
    limited[r.method](r.operationId, r.path, () => {});
  }
  return async (ctx: Context, next: Next): Promise<void> => {
    const layer = limited.match(ctx.path, ctx.method).pathAndMethod.find((l) => l.name && policies.has(l.name));
    const policy = layer ? policies.get(layer.name!) : undefined;
    if (!policy || isExempt(exempt, ctx.ip)) return next();
    const taken = counters[policy].take(clientKey(ctx.ip));
    setRateLimitFields(ctx, policy, quotas[policy], taken);
    if (!taken.allowed) {
      ctx.set('Retry-After', String(taken.resetSeconds));
      throw new Problem('RATE_LIMITED', `at most ${quotas[policy]} such requests a minute from one address; ask again in ${taken.resetSeconds} s`, { retryAfterSeconds: taken.resetSeconds });
    }
    await next();
  };
}

/** What the OpenAPI document says of a limited operation: the fields on its answers, and its 429. */
export function rateLimitDocs(policy: LimitPolicy) {
  const headers = {
    RateLimit: {
      description: `draft-ietf-httpapi-ratelimit-headers-10: what is left of this client address's quota and the seconds until it resets, e.g. \`"${policy}";r=59;t=42\`. Absent for exempt addresses.`,
      schema: { type: 'string' },
    },
    'RateLimit-Policy': {
      description: `draft-ietf-httpapi-ratelimit-headers-10: the quota per client address and its window in seconds, e.g. \`"${policy}";q=60;w=60\`. Absent for exempt addresses.`,
      schema: { type: 'string' },
    },
  };
  return {
    headers,
    tooMany: {
      description: `RATE_LIMITED: this client address has used its quota of the \`${policy}\` policy (per API process); ask again after Retry-After seconds`,
      headers: { ...headers, 'Retry-After': { description: 'Seconds until the quota resets', schema: { type: 'integer', minimum: 1 } } },
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    },
  };
}
