import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from './connection';
import { queueNumbersOf } from './queue-numbers';
import { canonicalTail, chainCategoryOf, entryHash, type ChainActorRole, type ChainEntry, type ChainEvent } from '../domain/chain';
import { actorRoleOf, chainEventsOf, type StaffRoles } from '../domain/chain-events';
import { iso } from '../domain/iso';
import { ACTIVE_STATUSES, type ApplicationStatus, type TransitionCause } from '../domain/statuses';

/** R11.3: lower-case hex SHA-256 of a UTF-8 string (Node's crypto; the board uses WebCrypto). */
export const sha256Hex = (utf8: string): string => createHash('sha256').update(utf8, 'utf8').digest('hex');

/** An entry before the chain gives it its place: what happened, not yet where in the history. */
export interface PendingEntry {
  at: Date | number;
  event: ChainEvent;
  number: string | null;
  /** The `application_events` row it records (an application's entries only). */
  eventSeq?: number | null;
  queueWhole?: number | null;
  queueCategory?: number | null;
  /**
   * The application's category after the event (`chainCategoryOf`). Left out on an application's
   * entry, `appendChainEntries` reads it from `applications`; a place's entry has none.
   */
  category?: string | null;
  place?: string | null;
  actorRole: ChainActorRole;
  /**
   * The group year of the entry's queue: a place's entry gives its place's; left out on an
   * application's entry, `appendChainEntries` reads it from `applications`.
   */
  groupYear?: number | null;
}

/**
 * R11.3: appends `entries`, in order, to the region's chain. The order of appends within a region is
 * the order in which transactions take the lock on the region's row of `chain_heads` (SELECT … FOR
 * UPDATE, in `chain_advance`): the next one waits until this one commits, then reads the head it left
 * — so no two entries share a seq and none is skipped. Call it as the LAST write of `trx`: the head's
 * lock is then held only for this one statement and the commit, and every transaction takes its
 * locks in the one order application rows → places → head, so an append never waits on a lock its
 * waiter holds. An application's entry given without its category gets it from `applications` as
 * `trx` left it (a plain read, before the head's lock). PostgreSQL numbers and hashes the entries
 * (db/migrations/20261129200500-chain-append-in-one-statement.ts); each hash is checked here against
 * the canonical form's, so a difference between the two fails the transaction, never the chain.
 */
export async function appendChainEntries(trx: Knex, region: string, entries: readonly PendingEntry[]): Promise<ChainEntry[]> {
  if (entries.length === 0) return [];
  const facts = await applicationFactsOf(trx, entries.filter((e) => e.number !== null && (e.category === undefined || e.groupYear === undefined)).map((e) => e.number!));
  const contents = entries.map((e) => ({
    region,
    at: iso(e.at),
    event: e.event,
    number: e.number,
    queueWhole: e.queueWhole ?? null,
    queueCategory: e.queueCategory ?? null,
    category: e.category !== undefined ? e.category : e.number === null ? null : (facts.get(e.number)?.category ?? null),
    place: e.place ?? null,
    actorRole: e.actorRole,
    groupYear: e.groupYear !== undefined ? e.groupYear : e.number === null ? null : (facts.get(e.number)?.groupYear ?? null),
  }));
  const column = <K extends keyof (typeof contents)[number]>(k: K) => contents.map((c) => c[k]);
  const { rows } = await trx.raw(
    `WITH h AS (SELECT * FROM chain_advance(?, ?::text[]))
     INSERT INTO chain_entries (region_code, seq, prev_hash, hash, at, event, application_number, event_seq, queue_whole, queue_category, category, place_id, actor_role, group_year)
     SELECT ?, h.seq, h.prev_hash, h.hash, v.at::timestamptz, v.event, v.number, v.event_seq, v.queue_whole, v.queue_category, v.category, v.place, v.actor_role, v.group_year
     FROM h JOIN unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::int[], ?::text[], ?::text[], ?::text[], ?::int[])
       WITH ORDINALITY AS v(at, event, number, event_seq, queue_whole, queue_category, category, place, actor_role, group_year, ord) ON v.ord = h.ord
     RETURNING seq, prev_hash, hash`,
    [
      region, contents.map(canonicalTail), region,
      column('at'), column('event'), column('number'), entries.map((e) => e.eventSeq ?? null), column('queueWhole'), column('queueCategory'),
      column('category'), column('place'), column('actorRole'), column('groupYear'),
    ] as Knex.Value[],
  );
  const placed = (rows as { seq: number; prev_hash: string; hash: string }[]).sort((a, b) => a.seq - b.seq);
  return contents.map((content, i) => {
    const row = placed[i]!;
    const entry = { ...content, seq: row.seq, prevHash: row.prev_hash, hash: row.hash };
    if (entryHash(entry, sha256Hex) !== entry.hash) throw new Error(`chain: PostgreSQL hashed entry ${entry.seq} of ${region} otherwise than its canonical form`);
    return entry;
  });
}

/** Columns of `applications` that an application's entries record: its chain category's and its group year. */
const CATEGORY_COLUMNS = ['queue_type', 'benefit_category', 'need_category', 'group_year'] as const;
type CategoryRow = { queue_type: string; benefit_category: string; need_category: string | null; group_year: number };
const categoryOfRow = (a: CategoryRow) => chainCategoryOf({ queueType: a.queue_type, benefitCategory: a.benefit_category, needCategory: a.need_category });

/** The chain categories and group years of applications, as `trx` sees them (after the event's writes). */
async function applicationFactsOf(trx: Knex, numbers: readonly string[]): Promise<Map<string, { category: string; groupYear: number }>> {
  if (numbers.length === 0) return new Map();
  const rows: (CategoryRow & { number: string })[] = await trx('applications').whereIn('number', [...new Set(numbers)]).select('number', ...CATEGORY_COLUMNS);
  return new Map(rows.map((a) => [a.number, { category: categoryOfRow(a), groupYear: a.group_year }]));
}

/** One application event (R3.3) to be chained: what `application_events` got. */
export interface RecordedEvent {
  number: string;
  seq: number;
  at: Date | number;
  /** What happened; `withdrawn`: R4.4, the wave's offer recorded as event `seq` was withdrawn. */
  cause: TransitionCause | 'offer_withdrawn';
  actor: string;
  /** R5.3: the event puts the child on the stop-list. */
  startsStopList?: boolean;
  /** The place the event concerns (a referral's). */
  place?: number | string | null;
}

/**
 * R11.3: appends the entries of application events already written in `trx` — after every other
 * write of it (see `appendChainEntries`). Each entry carries the application's queue numbers as they
 * stand after the event, while it is active (queued, offered or referred), else none, and its
 * category as it stands after the event, whatever the status.
 */
export async function appendEventEntries(trx: Knex, events: readonly RecordedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const numbers = [...new Set(events.map((e) => e.number))];
  const apps: ({ number: string; region_code: string; applicant_iin: string; status: ApplicationStatus } & CategoryRow)[] = await trx('applications')
    .whereIn('number', numbers)
    .select('number', 'region_code', 'applicant_iin', 'status', ...CATEGORY_COLUMNS);
  const byNumber = new Map(apps.map((a) => [a.number, a]));
  const active = apps.filter((a) => ACTIVE_STATUSES.includes(a.status)).map((a) => a.number);
  const queue = await queueNumbersOf(trx, active);
  const roles = await staffRolesOf(trx, events.map((e) => e.actor).filter((a) => a !== 'system' && !apps.some((x) => x.applicant_iin === a)));
  const byRegion = new Map<string, PendingEntry[]>();
  for (const e of events) {
    const app = byNumber.get(e.number);
    if (!app) throw new Error(`chain: application ${e.number} not found`);
    const q = queue.get(e.number);
    const list = byRegion.get(app.region_code) ?? [];
    list.push(...eventEntries(e, app.applicant_iin, roles, { queueWhole: q?.inQueue ?? null, queueCategory: q?.inCategory ?? null, category: categoryOfRow(app), groupYear: app.group_year }));
    byRegion.set(app.region_code, list);
  }
  // Regions in one order, so two multi-region transactions never lock heads crosswise.
  for (const region of [...byRegion.keys()].sort()) await appendChainEntries(trx, region, byRegion.get(region)!);
}

/** R11.3: the staff roles of people (by IIN), as `staff` holds them now. */
export async function staffRolesOf(trx: Knex, iins: readonly string[]): Promise<Map<string, StaffRoles>> {
  const roles = new Map<string, Set<any>>();
  const people = [...new Set(iins)];
  if (people.length) {
    for (const r of await trx('staff').whereIn('iin', people).select('iin', 'role')) {
      roles.set(r.iin, (roles.get(r.iin) ?? new Set()).add(r.role));
    }
  }
  return roles as Map<string, StaffRoles>;
}

/**
 * R11.3: the pending entries of one application event — its chain events (`chainEventsOf`), the
 * actor's role (`actorRoleOf`), and the queue numbers and category given for the moment after it.
 * `appendEventEntries` and the upgrade backfill (db/chain-backfill.ts) both map events through it.
 */
export function eventEntries(
  e: RecordedEvent,
  applicantIin: string,
  roles: ReadonlyMap<string, StaffRoles>,
  after: { queueWhole: number | null; queueCategory: number | null; category: string | null; groupYear?: number | null },
): PendingEntry[] {
  const actorRole = actorRoleOf(e.actor, e.cause, applicantIin, roles.get(e.actor) ?? new Set());
  const chained: ChainEvent[] | undefined = e.cause === 'offer_withdrawn' ? ['offer_withdrawn'] : chainEventsOf(e.cause, e.startsStopList ?? false);
  // A cause the chain has no event for (a row written outside the known causes) stops the write or
  // the upgrade, naming it, rather than leaving an event out of the history.
  if (!chained) throw new Error(`R11.3: no chain event for the cause ${JSON.stringify(e.cause)} of event ${e.seq} of ${e.number}`);
  return chained.map((event) => ({ at: e.at, event, number: e.number, eventSeq: e.seq, ...after, place: e.place == null ? null : String(e.place), actorRole }));
}

/** R11.3: a place's entry (published, corrected, withdrawn) in its kindergarten's region's chain. */
export async function appendPlaceEntries(
  trx: Knex,
  event: Extract<ChainEvent, 'place_published' | 'place_corrected' | 'place_withdrawn'>,
  placeIds: readonly number[],
  at: Date | number,
  actorRole: ChainActorRole,
): Promise<void> {
  if (placeIds.length === 0) return;
  const rows: { id: number; region_code: string; group_year: number }[] = await trx('places as p')
    .join('kindergartens as k', 'k.id', 'p.kindergarten_id')
    .whereIn('p.id', placeIds)
    .orderBy('p.id')
    .select('p.id', 'k.region_code', 'p.group_year');
  const byRegion = new Map<string, PendingEntry[]>();
  for (const r of rows) {
    const list = byRegion.get(r.region_code) ?? [];
    // The place's group year as `trx` left it: a correction's entry records the corrected year.
    list.push({ at, event, number: null, place: String(r.id), actorRole, groupYear: r.group_year });
    byRegion.set(r.region_code, list);
  }
  for (const region of [...byRegion.keys()].sort()) await appendChainEntries(trx, region, byRegion.get(region)!);
}

// ---- reading it ----------------------------------------------------------------------------------

/** An entry as the routes publish it: the region is the route's. */
export type PublicChainEntry = Omit<ChainEntry, 'region'>;

const ENTRY_COLUMNS = ['region_code', 'seq', 'prev_hash', 'hash', 'at', 'event', 'application_number', 'queue_whole', 'queue_category', 'category', 'place_id', 'actor_role', 'group_year'];

/** A stored row as the entry that was hashed. */
export function entryOf(r: Record<string, any>): ChainEntry {
  return {
    region: r.region_code,
    seq: r.seq,
    prevHash: r.prev_hash,
    hash: r.hash,
    at: iso(r.at),
    event: r.event,
    number: r.application_number,
    queueWhole: r.queue_whole,
    queueCategory: r.queue_category,
    category: r.category,
    place: r.place_id,
    actorRole: r.actor_role,
    groupYear: r.group_year ?? null,
  };
}

export const publicEntry = ({ region: _region, ...e }: ChainEntry): PublicChainEntry => e;

/** R11.3: whether the region exists (a chain of a region that has none yet is empty, not unknown). */
export async function regionExists(db: Db, region: string): Promise<boolean> {
  return Boolean(await db('regions').where({ code: region }).first('code'));
}

/** R11.3: the region's entries from `from` to `to` (inclusive), ascending, `limit` at most; `next` is the seq to ask from next. */
export async function chainEntriesPage(db: Db, region: string, range: { from: number; to?: number; limit: number }): Promise<{ entries: ChainEntry[]; next: number | null }> {
  const rows = await db('chain_entries')
    .where({ region_code: region })
    .where('seq', '>=', range.from)
    .modify((q) => {
      if (range.to !== undefined) q.where('seq', '<=', range.to);
    })
    .orderBy('seq')
    .limit(range.limit + 1)
    .select(ENTRY_COLUMNS);
  const entries = rows.slice(0, range.limit).map(entryOf);
  return { entries, next: rows.length > range.limit ? rows[range.limit].seq : null };
}

/**
 * R11.3: the application's own entries, in chain order, as one JSON array column of a query on
 * `applications as <alias>` (the public look-up's single statement); read back with `entryOf`.
 */
export const applicationChainColumn = (alias: string) =>
  `(SELECT coalesce(json_agg(c ORDER BY c.seq), '[]'::json) FROM (SELECT ${ENTRY_COLUMNS.join(', ')} FROM chain_entries
     WHERE application_number = ${alias}.number) c)`;


export interface SignedHead {
  seq: number;
  hash: string;
  at: string;
  signedXml: string;
}

/** R11.3: every head the service signed for the region, oldest first. */
export async function signedHeads(db: Db, region: string): Promise<SignedHead[]> {
  const rows = await db('chain_signed_heads').where({ region_code: region }).orderBy([{ column: 'at' }, { column: 'seq' }]).select('seq', 'hash', 'at', 'signed_xml');
  return rows.map(headOf);
}

/** R4.3, R11.3: the head signed at the region's latest publication, published with its list of places. */
export async function latestSignedHead(db: Db, region: string): Promise<SignedHead | null> {
  const r = await db('chain_signed_heads').where({ region_code: region }).orderBy([{ column: 'at', order: 'desc' }, { column: 'seq', order: 'desc' }]).first('seq', 'hash', 'at', 'signed_xml');
  return r ? headOf(r) : null;
}

const headOf = (r: Record<string, any>): SignedHead => ({ seq: r.seq, hash: r.hash, at: iso(r.at), signedXml: r.signed_xml });
