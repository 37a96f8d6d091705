import type { Knex } from 'knex';
import { appendChainEntries, eventEntries, staffRolesOf, type PendingEntry } from './chain';
import { chainCategoryOf } from '../domain/chain';
import type { TransitionCause } from '../domain/statuses';

/**
 * R11.3, upgrade: the chain of a region whose history began before the chain did. Every event of
 * `application_events`, every departure and every published place already in the database is
 * appended in history order (time, then registration number, then event seq; a place after the
 * events of its instant), mapped as they are when they happen (db/chain.ts `eventEntries`), so
 * verify-chain finds each application's history in the chain. What the rows cannot tell is left out
 * rather than guessed:
 * - queue numbers (`queueWhole`, `queueCategory`) are null: the numbers at that past moment are not
 *   kept anywhere;
 * - the group year is the application's, or the place's as it stands now (a correction of it before
 *   the chain left no record of the year before);
 * - the category after an event is walked back from the application's category now through the
 *   `from` of each later category change (benefit: R6.2 change, R5.7 rejection; need: R8.1 change,
 *   R8.3 examination); where a change does not say what it changed from, the entries before it
 *   record none (null). The last entry always records the category as it stands now, which is
 *   what verify-chain checks;
 * - whether an annulment started a stop-list (R5.3): the workflow records it only in the read
 *   model's `stop_list_until`, so it is read from what followed — a stop-list's end or correction
 *   says yes, an offer or referral says no (R4.4: none while on the stop-list), no later event says
 *   what `stop_list_until` says now; after a removal (which clears it) the annulment’s notice in the
 *   outbox says it; without that notice it is undetermined and no `stop_list_started` entry is
 *   written (counted in the result). A rejected benefit (R5.7) keeps it in its details: exact;
 * - a wave’s offer that was withdrawn (R4.4) left no row: it has no entries;
 * - actors’ roles are their staff roles now.
 */
export interface BackfillResult {
  region: string;
  entries: number;
  /** Annulments followed by a removal whose stop-list no row records (no stop_list_started entry). */
  undeterminedStopLists: number;
}

const TEMP = 'chain_backfill_history';
/** Constant causes as an SQL list (never user input). */
const sqlList = (causes: readonly string[]) => causes.map((c) => `'${c}'`).join(', ');

/** Causes that change the benefit category (R6.2, R5.7) and say `from` in their details. */
const BENEFIT_CHANGES: TransitionCause[] = ['benefit_category_changed', 'benefit_rejected'];
/** Causes that may change the category of need (R8.1, R8.3); the examination’s only when its details say `from`. */
const NEED_CHANGES: TransitionCause[] = ['need_category_changed', 'examination_other_category', 'examination_confirmed'];

/** Appends the pre-chain history of every region that has none in the chain yet; `batch` entries per append. */
export async function backfillChain(trx: Knex, batch = 1000): Promise<BackfillResult[]> {
  const results: BackfillResult[] = [];
  const regions: string[] = await trx('regions').orderBy('code').pluck('code');
  for (const region of regions) {
    // Idempotent: a region with a chain already (this backfill ran, or entries were appended since) is left as it is.
    if (await trx('chain_heads').where({ region_code: region }).first('seq')) continue;
    if (await trx('chain_entries').where({ region_code: region }).first('seq')) continue;
    const result = await backfillRegion(trx, region, batch);
    if (result.entries > 0) results.push(result);
  }
  return results;
}

async function backfillRegion(trx: Knex, region: string, batch: number): Promise<BackfillResult> {
  // The order of the whole history once, numbered; then pages of it, each page's rows derived in SQL.
  await trx.raw(`DROP TABLE IF EXISTS ${TEMP}`);
  await trx.raw(
    `CREATE TEMP TABLE ${TEMP} AS
     WITH history AS (
       SELECT e.at, e.application_number AS number, e.seq, NULL::int AS place_id, 'event' AS kind
         FROM application_events e JOIN applications a ON a.number = e.application_number WHERE a.region_code = ?
       UNION ALL
       SELECT n.departed_at, n.application_number, NULL, NULL, 'departure'
         FROM enrollments n JOIN kindergartens k ON k.id = n.kindergarten_id WHERE k.region_code = ? AND n.departed_at IS NOT NULL
       UNION ALL
       SELECT p.published_at, NULL, NULL, p.id, 'place'
         FROM places p JOIN kindergartens k ON k.id = p.kindergarten_id WHERE k.region_code = ? AND p.published_at IS NOT NULL
     )
     SELECT row_number() OVER (ORDER BY at, number NULLS LAST, seq NULLS LAST, place_id) AS n, * FROM history`,
    [region, region, region],
  );
  await trx.raw(`CREATE UNIQUE INDEX ON ${TEMP} (n)`);
  const result: BackfillResult = { region, entries: 0, undeterminedStopLists: 0 };
  for (let from = 0; ; from += batch) {
    const { rows } = await trx.raw(PAGE, [from, from + batch]);
    if (rows.length === 0) break;
    const roles = await staffRolesOf(trx, rows.filter((r: PageRow) => r.kind === 'event' && r.actor !== 'system').map((r: PageRow) => r.actor!));
    const pending: PendingEntry[] = [];
    for (const r of rows as PageRow[]) {
      if (r.kind === 'place') {
        pending.push({ at: r.at, event: 'place_published', number: null, place: String(r.place_id), actorRole: 'system', groupYear: r.place_group_year });
        continue;
      }
      const category = categoryAfter(r);
      if (r.kind === 'departure') {
        pending.push({ at: r.at, event: 'departed', number: r.number, category, actorRole: 'staff' }); // as db/enrollments.ts records it
        continue;
      }
      const startsStopList = stopListStarted(r);
      if (startsStopList === null) result.undeterminedStopLists += 1;
      const place = r.cause === 'referral_issued' ? ((r.details?.placeId as number | undefined) ?? null) : null;
      const event = { number: r.number!, seq: r.seq!, at: r.at, cause: r.cause!, actor: r.actor!, startsStopList: startsStopList ?? false, place };
      pending.push(...eventEntries(event, r.applicant_iin!, roles, { queueWhole: null, queueCategory: null, category }));
    }
    result.entries += (await appendChainEntries(trx, region, pending)).length;
  }
  await trx.raw(`DROP TABLE ${TEMP}`);
  return result;
}

interface PageRow {
  kind: 'event' | 'departure' | 'place';
  at: Date;
  number: string | null;
  seq: number | null;
  place_id: number | null;
  place_group_year: number | null;
  cause: TransitionCause | null;
  actor: string | null;
  details: Record<string, unknown> | null;
  applicant_iin: string | null;
  queue_type: string | null;
  benefit_category: string | null;
  need_category: string | null;
  stop_list_until: Date | null;
  benefit_change_seq: number | null;
  benefit_from: string | null;
  need_change_seq: number | null;
  need_from_known: boolean | null;
  need_from: string | null;
  next_stop_list_cause: string | null;
  next_stop_list_status: string | null;
  notice_says_stop_list: boolean | null;
}

// One page of the history: each row with its application, the first later change of each half of
// its category (to walk the category back from now), and — for an annulment — the first later event
// that says whether a stop-list ran, and its notice.
const PAGE = `
  SELECT h.kind, h.at, h.number, h.seq, h.place_id, p.group_year AS place_group_year, e.cause, e.actor, e.details,
         a.applicant_iin, a.queue_type, a.benefit_category, a.need_category, a.stop_list_until,
         b.seq AS benefit_change_seq, b.details->>'from' AS benefit_from,
         nd.seq AS need_change_seq, (nd.details->'from') IS NOT NULL AS need_from_known, nd.details->>'from' AS need_from,
         sl.cause AS next_stop_list_cause, sl.to_status AS next_stop_list_status,
         CASE WHEN e.cause = 'referral_annulled' AND sl.to_status = 'removed' THEN
           (SELECT bool_or((x.payload->'stopListUntil') IS NOT NULL) FROM notices x
             WHERE x.application_number = h.number AND x.kind = 'referral_annulled' AND starts_with(x.idempotency_key, h.number || ':referral_annulled:' || h.seq || ':'))
         END AS notice_says_stop_list
    FROM ${TEMP} h
    LEFT JOIN application_events e ON h.kind = 'event' AND e.application_number = h.number AND e.seq = h.seq
    LEFT JOIN applications a ON a.number = h.number
    LEFT JOIN places p ON p.id = h.place_id
    LEFT JOIN LATERAL (
      SELECT x.seq, x.details FROM application_events x
       WHERE x.application_number = h.number AND x.seq > h.seq AND x.cause IN (${sqlList(BENEFIT_CHANGES)})
       ORDER BY x.seq LIMIT 1) b ON true
    LEFT JOIN LATERAL (
      SELECT x.seq, x.details FROM application_events x
       WHERE x.application_number = h.number AND x.seq > h.seq AND x.cause IN (${sqlList(NEED_CHANGES)})
         AND (x.cause = 'need_category_changed' OR (x.details->'from') IS NOT NULL)
       ORDER BY x.seq LIMIT 1) nd ON true
    LEFT JOIN LATERAL (
      SELECT x.cause, x.to_status FROM application_events x
       WHERE e.cause = 'referral_annulled' AND x.application_number = h.number AND x.seq > h.seq
         AND (x.cause IN ('stop_list_ended', 'stop_list_corrected', 'turn_arrived', 'referral_issued') OR x.to_status = 'removed')
       ORDER BY x.seq LIMIT 1) sl ON true
   WHERE h.n > ? AND h.n <= ?
   ORDER BY h.n`;

/** The category just after the row's event, walked back from now; null where a change did not say what it changed from. */
function categoryAfter(r: PageRow): string | null {
  if (r.benefit_change_seq !== null && r.benefit_from === null) return null;
  if (r.need_change_seq !== null && !r.need_from_known) return null;
  const benefitCategory = r.benefit_change_seq !== null ? r.benefit_from! : r.benefit_category!;
  const needCategory = r.need_change_seq !== null ? r.need_from : r.need_category;
  return chainCategoryOf({ queueType: r.queue_type!, benefitCategory, needCategory });
}

/** R5.3: whether the row's event put the child on the stop-list (as recordTransition decides it); null: no row says. */
function stopListStarted(r: PageRow): boolean | null {
  if (r.cause === 'benefit_rejected') return r.details?.stopListUntil != null;
  if (r.cause !== 'referral_annulled') return false;
  if (r.next_stop_list_cause === 'stop_list_ended' || r.next_stop_list_cause === 'stop_list_corrected') return true;
  if (r.next_stop_list_status === 'removed') return r.notice_says_stop_list;
  if (r.next_stop_list_cause !== null) return false; // an offer or a referral: never while on the stop-list
  return r.stop_list_until !== null;
}
