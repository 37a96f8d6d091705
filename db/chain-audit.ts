import type { Db } from './connection';
import { entryOf, sha256Hex, signedHeads, type SignedHead } from './chain';
import { chainCategoryOf, entryHash, firstBrokenEntry, GENESIS_HASH, type ChainEntry, type ChainEvent } from '../domain/chain';
import { chainEventsOf } from '../domain/chain-events';
import { iso } from '../domain/iso';
import type { TransitionCause } from '../domain/statuses';

/**
 * R11.3: what `npm run verify-chain` checks, read straight from PostgreSQL: the chain recomputed from
 * its first entry, every signed head against it, and the read model against the chain. Each check
 * names the first entry, head or row that does not fit.
 */

const PAGE = 5000;

/** The status a chain event leaves an application in, where the event alone says it. */
const STATUS_AFTER: Partial<Record<ChainEvent, string>> = {
  filed: 'queued',
  offered: 'turn_notified',
  offer_expired: 'queued',
  referral_issued: 'referral_issued',
  referral_withdrawn: 'queued',
  referral_annulled: 'queued',
  removed: 'removed',
  enrolled: 'enrolled',
};

export interface ChainAudit {
  entries: ChainEntry[];
  heads: SignedHead[];
  /** The first problem of each check, in the order checked; empty when everything fits. */
  problems: string[];
  counts: { entries: number; heads: number; applications: number; events: number };
}

/** Recomputes the region's chain; the stored entries as they are, and the first that does not fit. */
async function recompute(db: Db, region: string): Promise<{ entries: ChainEntry[]; broken: string | null; intactTo: number }> {
  const entries: ChainEntry[] = [];
  let before = { seq: 0, hash: GENESIS_HASH };
  let broken: string | null = null;
  for (;;) {
    const rows = await db('chain_entries').where({ region_code: region }).where('seq', '>', entries.length ? entries[entries.length - 1]!.seq : 0).orderBy('seq').limit(PAGE).select('*');
    if (rows.length === 0) break;
    const page = rows.map(entryOf);
    if (!broken) {
      const bad = firstBrokenEntry(page, sha256Hex, before);
      if (bad) {
        const what = { gap: 'is missing (the entries jump past it)', link: 'does not point back to the hash of the entry before it', hash: 'does not hash to its stored hash: its content was changed' }[bad.reason];
        broken = `entry ${bad.seq} ${what}`;
        before = { seq: bad.seq - 1, hash: '' };
      } else before = page[page.length - 1]!;
    }
    entries.push(...page);
  }
  return { entries, broken, intactTo: broken ? before.seq : entries.length ? entries[entries.length - 1]!.seq : 0 };
}

export async function auditChain(db: Db, region: string, verifyHead: (xml: string) => { head: { region: string; seq: number; hash: string; at: string } } | { refused: string }): Promise<ChainAudit> {
  const problems: string[] = [];
  const { entries, broken, intactTo } = await recompute(db, region);
  if (broken) problems.push(broken);
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  const last = entries[entries.length - 1];
  const head = await db('chain_heads').where({ region_code: region }).first('seq', 'hash');
  if (!broken && head && (head.seq !== (last?.seq ?? 0) || head.hash !== (last?.hash ?? GENESIS_HASH))) {
    problems.push(`the chain's head row says seq ${head.seq}, but the last entry is ${last?.seq ?? 0}: entries after it were deleted or the row was changed`);
  }

  // Every signed head: its signature, its content, and the recomputed chain at its seq.
  const heads = await signedHeads(db, region);
  for (const h of heads) {
    const checked = verifyHead(h.signedXml);
    const name = `signed head of ${h.at} (seq ${h.seq})`;
    if ('refused' in checked) {
      problems.push(`${name}: ${checked.refused}`);
      break;
    }
    const s = checked.head;
    if (s.region !== region || s.seq !== h.seq || s.hash !== h.hash || s.at !== h.at) {
      problems.push(`${name}: its stored seq, hash or time differ from what was signed (signed seq ${s.seq}, hash ${s.hash})`);
      break;
    }
    if (h.seq > intactTo) continue; // past the first broken entry: named above
    const entry = bySeq.get(h.seq);
    const recomputed = h.seq === 0 ? GENESIS_HASH : entry && entryHash(entry, sha256Hex);
    if (recomputed !== h.hash) {
      const previous = heads.filter((p) => p.seq < h.seq && p.at < h.at).pop();
      problems.push(
        `${name} does not match the chain: entry ${h.seq} now hashes to ${recomputed ?? '(missing)'}, the service signed ${h.hash} — the history at or before entry ${h.seq}` +
          `${previous ? ` (after entry ${previous.seq}, which the head of ${previous.at} vouches for)` : ''} was rewritten`,
      );
      break;
    }
  }

  const readModel = await crossCheck(db, region, entries);
  if (readModel.problem) problems.push(readModel.problem);
  const places = await crossCheckPlaces(db, region, entries);
  if (places) problems.push(places);
  return { entries, heads, problems, counts: { entries: entries.length, heads: heads.length, applications: readModel.applications, events: readModel.events } };
}

interface EventRow {
  application_number: string;
  seq: number;
  at: Date;
  cause: TransitionCause;
  to_status: string;
}

/**
 * The read model against the chain, application by application (by number): each application has
 * its filing entry at its registration time; each event of `application_events` has its entries (at
 * its time, of its cause), and each entry its event (unless a later entry withdrew it); the status
 * in `applications` is what its last event left, and where the chain says a status, the event says
 * the same; its category (benefit, and need in the correctional queue) is the one its last entry
 * records. The first application that does not fit is named.
 */
async function crossCheck(db: Db, region: string, entries: ChainEntry[]): Promise<{ problem: string | null; applications: number; events: number }> {
  const apps: AppRow[] = await db('applications').where({ region_code: region }).orderBy('number').select('number', 'status', 'registered_at', 'queue_type', 'benefit_category', 'need_category', 'group_year');
  const located: { application_number: string; seq: number; event_seq: number | null }[] = await db('chain_entries')
    .where({ region_code: region })
    .whereNotNull('application_number')
    .select('application_number', 'seq', 'event_seq');
  const eventSeqOf = new Map(located.map((r) => [r.seq, r.event_seq]));
  const byApp = new Map<string, ChainEntry[]>();
  for (const e of entries) if (e.number) byApp.set(e.number, [...(byApp.get(e.number) ?? []), e]);
  let eventCount = 0;
  for (let i = 0; i < apps.length; i += PAGE) {
    const page = apps.slice(i, i + PAGE);
    const events: EventRow[] = await db('application_events')
      .whereIn('application_number', page.map((a) => a.number))
      .orderBy(['application_number', 'seq'])
      .select('application_number', 'seq', 'at', 'cause', 'to_status');
    eventCount += events.length;
    const eventsOf = new Map<string, EventRow[]>();
    for (const e of events) eventsOf.set(e.application_number, [...(eventsOf.get(e.application_number) ?? []), e]);
    for (const a of page) {
      const problem = checkApplication(a, eventsOf.get(a.number) ?? [], byApp.get(a.number) ?? [], eventSeqOf);
      if (problem) return { problem: `application ${a.number}: ${problem}`, applications: apps.length, events: eventCount };
    }
  }
  return { problem: null, applications: apps.length, events: eventCount };
}

interface AppRow {
  number: string;
  status: string;
  registered_at: Date;
  queue_type: string;
  benefit_category: string;
  need_category: string | null;
  group_year: number;
}

function checkApplication(a: AppRow, events: EventRow[], chained: ChainEntry[], eventSeqOf: Map<number, number | null>): string | null {
  if (chained.length === 0) return 'has no entry in the chain (a row written behind the system’s back)';
  const filed = chained.find((e) => e.event === 'filed');
  if (!filed) return `has no filing entry in the chain (its first entry is ${chained[0]!.seq})`;
  if (iso(a.registered_at) !== filed.at) return `registered_at is ${iso(a.registered_at)} in applications, but its filing entry ${filed.seq} says ${filed.at}`;
  // Entries by the application event they record; a withdrawn wave offer's are cancelled by the withdrawal.
  const byEvent = new Map<number, ChainEntry[]>();
  for (const e of chained) {
    const k = eventSeqOf.get(e.seq);
    if (k == null) continue;
    byEvent.set(k, e.event === 'offer_withdrawn' ? [] : [...(byEvent.get(k) ?? []), e]);
  }
  const seen = new Set<number>();
  for (const ev of events) {
    seen.add(ev.seq);
    const mine = byEvent.get(ev.seq) ?? [];
    const expected = chainEventsOf(ev.cause, false)[0];
    if (mine.length === 0) return `its event ${ev.seq} (${ev.cause}, ${iso(ev.at)}) has no entry in the chain`;
    const first = mine[0]!;
    if (first.event !== expected || first.at !== iso(ev.at)) {
      return `its event ${ev.seq} (${ev.cause}, ${iso(ev.at)}) differs from its entry ${first.seq} (${first.event}, ${first.at})`;
    }
    const said = mine.map((e) => STATUS_AFTER[e.event]).filter(Boolean).pop();
    if (said && said !== ev.to_status) return `its event ${ev.seq} says ${ev.to_status}, its entry ${mine[mine.length - 1]!.seq} (${mine[mine.length - 1]!.event}) says ${said}`;
  }
  for (const [k, mine] of byEvent) {
    if (mine.length && !seen.has(k)) return `its entry ${mine[0]!.seq} (${mine[0]!.event}) records event ${k}, which application_events no longer has`;
  }
  const lastEvent = events[events.length - 1];
  if (!lastEvent) return 'has entries but no event';
  if (a.status !== lastEvent.to_status) {
    const entry = (byEvent.get(lastEvent.seq) ?? [])[0];
    return `status is ${a.status} in applications, but its last recorded event ${lastEvent.seq} (entry ${entry?.seq}) left it ${lastEvent.to_status}`;
  }
  // Every entry of an application records its category after the event (domain/chain.ts
  // chainCategoryOf), so a category raised by editing the row — the classic queue-jump — differs from
  // the last entry's, whether or not the application ever changed category through the system.
  const category = chainCategoryOf({ queueType: a.queue_type, benefitCategory: a.benefit_category, needCategory: a.need_category });
  const lastEntry = chained[chained.length - 1]!;
  if (lastEntry.category !== category) {
    return `category is ${category} in applications, but its last entry ${lastEntry.seq} (${lastEntry.event}) records ${lastEntry.category ?? 'none'}`;
  }
  // An application's group year never changes through the system: every entry that records one
  // must record the row's, so a child moved to another year's queue in the row is named.
  const moved = chained.find((e) => e.groupYear !== null && e.groupYear !== a.group_year);
  if (moved) return `group_year is ${a.group_year} in applications, but its entry ${moved.seq} (${moved.event}) records ${moved.groupYear}`;
  return null;
}

/**
 * Each place of the region against its entries: its group year must be the one its last entry that
 * records one says (a correction through the system writes an entry with the corrected year), so
 * a place moved to another year's queue in the row is named. The first place that does not fit.
 */
async function crossCheckPlaces(db: Db, region: string, entries: ChainEntry[]): Promise<string | null> {
  const last = new Map<string, ChainEntry>();
  for (const e of entries) if (e.place !== null && e.number === null && e.groupYear !== null) last.set(e.place, e);
  if (last.size === 0) return null;
  const places: { id: number; group_year: number }[] = await db('places as p')
    .join('kindergartens as k', 'k.id', 'p.kindergarten_id')
    .where('k.region_code', region)
    .orderBy('p.id')
    .select('p.id', 'p.group_year');
  for (const p of places) {
    const entry = last.get(String(p.id));
    if (entry && entry.groupYear !== p.group_year) {
      return `place ${p.id}: group_year is ${p.group_year} in places, but its last entry ${entry.seq} (${entry.event}) records ${entry.groupYear}`;
    }
  }
  return null;
}
