// R11.3: the queue's history as a hash chain, one chain per region. This module is the whole
// definition of an entry's canonical form; the server (activities, verify-chain) and the public
// board's in-browser check (which repeats it in plain JavaScript) must agree with it byte for byte.

/** What happened to the queue. Nothing personal: no names, no IINs. */
export const CHAIN_EVENTS = [
  'filed',
  'category_changed',
  'offered',
  'referral_issued',
  'referral_annulled',
  'stop_list_started',
  'stop_list_ended',
  'removed',
  'enrolled',
  'departed',
  'place_published',
  'place_corrected',
  'place_withdrawn',
  'operator_correction',
  // Events of an application that change no queue number but are part of its history (R3.3): each
  // event of `application_events` has its entry, so the history a parent sees is the chained one.
  'interest_confirmed',
  'offer_expired',
  'offer_withdrawn', // R4.4: a bulk wave's offer the workflow refused; the 'offered' entry stays
  'referral_extended',
  'referral_withdrawn',
  'examination_confirmed',
  'benefit_confirmed',
] as const;
export type ChainEvent = (typeof CHAIN_EVENTS)[number];

/** Who caused it, by role only. */
export const CHAIN_ACTOR_ROLES = ['applicant', 'system', 'staff', 'operator', 'pmpk'] as const;
export type ChainActorRole = (typeof CHAIN_ACTOR_ROLES)[number];

/** The hash the first entry of every region's chain points back to. */
export const GENESIS_HASH = '0'.repeat(64);

/** One entry as it is hashed, stored and published. */
export interface ChainEntryContent {
  region: string;
  seq: number; // 1, 2, 3, … per region, no gap
  prevHash: string; // lower-case hex SHA-256 of the entry before; GENESIS_HASH for seq 1
  at: string; // ISO 8601 in UTC with milliseconds, as Date.prototype.toISOString writes it
  event: ChainEvent;
  number: string | null; // the registration number; null for a place's events
  queueWhole: number | null; // the application's number in its whole queue at that moment, if queued
  queueCategory: number | null; // … and within its category (the next field)
  /** The application's queue category just after the event (`chainCategoryOf`); null for a place's events. */
  category: string | null;
  place: string | null; // the place's id (decimal string), where the event concerns one
  actorRole: ChainActorRole;
  /**
   * The group year of the queue the entry concerns: the application's, or the place's as it stands
   * after the event; null where there is neither (a departure of a child enrolled without an
   * application) and in every entry written before group years were chained (30 Nov 2026).
   */
  groupYear: number | null;
}

export interface ChainEntry extends ChainEntryContent {
  hash: string;
}

/** The group year as its last field, where the entry has one: an entry without one keeps the form entries had before it. */
const withGroupYear = (fields: unknown[], groupYear: number | null | undefined) => (groupYear == null ? fields : [...fields, groupYear]);

/**
 * The canonical serialisation: a JSON array of the fields in this fixed order — seq, prevHash,
 * region, at, event, number, queueWhole, queueCategory, category, place, actorRole, and groupYear
 * only where it is not null — written by JSON.stringify with no whitespace, encoded as UTF-8. An
 * array, not an object, so no key order has to be agreed; every value is a string, an integer or
 * null. Entries written before group years were chained have eleven fields and hash as they did;
 * setting or clearing a group year changes the form, so the stored hash no longer fits either way.
 */
export function canonicalEntry(e: ChainEntryContent): string {
  return JSON.stringify(withGroupYear([e.seq, e.prevHash, e.region, e.at, e.event, e.number, e.queueWhole, e.queueCategory, e.category, e.place, e.actorRole], e.groupYear));
}

/**
 * The canonical serialisation after its first two fields, `,` included: what an entry is before its
 * place in the chain is known. `canonicalEntry(e)` is `[` + seq + `,"` + prevHash + `",` + this (seq
 * an integer, prevHash lower-case hex), which is how PostgreSQL completes it where the append
 * happens in one statement (db/chain.ts).
 */
export function canonicalTail(e: Omit<ChainEntryContent, 'seq' | 'prevHash'>): string {
  return JSON.stringify(withGroupYear([e.region, e.at, e.event, e.number, e.queueWhole, e.queueCategory, e.category, e.place, e.actorRole], e.groupYear)).slice(1);
}

/**
 * R11.3: the category an application's entry records — the category its `queueCategory` is counted
 * in, as it stands just after the event, whatever the status (so the last entry always says the
 * category the read model must hold). The general queue: its benefit category (domain/queue.ts
 * BENEFIT_CATEGORIES), e.g. `first_priority`. The correctional queue orders by benefit category
 * within each category of need (R8.1), so both: `<need category>/<benefit category>`, e.g.
 * `speech/first_priority` (a need category's code has no `/`).
 */
export function chainCategoryOf(app: { queueType: string; benefitCategory: string; needCategory: string | null }): string {
  return app.queueType === 'correctional' ? `${app.needCategory ?? ''}/${app.benefitCategory}` : app.benefitCategory;
}

/** The hash of an entry is lower-case hex SHA-256 of its canonical serialisation; `sha256` is the caller's (Node's crypto, WebCrypto). */
export function entryHash(e: ChainEntryContent, sha256: (utf8: string) => string): string {
  return sha256(canonicalEntry(e));
}

/**
 * Checks a run of entries in sequence order, starting after `before` (or at the genesis); returns
 * the first entry that does not fit — a gap, a broken link, or a hash that does not match its
 * content — or null when all fit.
 */
export function firstBrokenEntry(
  entries: ChainEntry[],
  sha256: (utf8: string) => string,
  before: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): { seq: number; reason: 'gap' | 'link' | 'hash' } | null {
  let prev = before;
  for (const e of entries) {
    if (e.seq !== prev.seq + 1) return { seq: prev.seq + 1, reason: 'gap' };
    if (e.prevHash !== prev.hash) return { seq: e.seq, reason: 'link' };
    if (entryHash(e, sha256) !== e.hash) return { seq: e.seq, reason: 'hash' };
    prev = e;
  }
  return null;
}
