import type { Db } from './connection';

/** The service's own figures at one instant, as the metrics report them (telemetry/service-figures.ts). */
export interface ServiceFigures {
  /** Every region × queue type × status, zeros included. */
  applications: { region: string; queueType: string; status: string; count: number }[];
  /** One row per region, zeros and nulls included. */
  regions: RegionFigures[];
  /** Every notice state (held, pending, sent, failed), zeros included. */
  notices: { status: string; count: number }[];
  /** Every document state (rendering, ready, failed), zeros included. */
  documents: { status: string; count: number }[];
}

export interface RegionFigures {
  region: string;
  /** Offers ever made: one per application per offer wave (R4.4). */
  offers: number;
  referralsIssued: number;
  referralsAnnulled: number;
  /** Active applications on the stop-list now (R5.3). */
  stopListed: number;
  /** The latest offer wave that offered something, or referral issued, whichever is later. */
  lastMovedAt: Date | null;
  waveLastStartedAt: Date | null;
  /** When the latest wave had signalled all its offers. */
  waveLastFinishedAt: Date | null;
  /** Start to end of the latest wave that ended. */
  waveLastDurationSeconds: number | null;
}

// Each count is an aggregate over an index (migration 20261129150000) or a small table; the regions,
// statuses and states are filled in so that a figure that is zero is reported as zero, not absent.
const APPLICATIONS = `
  WITH counts AS (SELECT region_code, queue_type, status, count(*) AS n FROM applications GROUP BY 1, 2, 3)
  SELECT r.code AS region, q.t::text AS queue_type, s.t::text AS status, COALESCE(c.n, 0)::int AS count
  FROM regions r
  CROSS JOIN unnest(enum_range(NULL::queue_type)) AS q(t)
  CROSS JOIN unnest(enum_range(NULL::application_status)) AS s(t)
  LEFT JOIN counts c ON c.region_code = r.code AND c.queue_type = q.t AND c.status = s.t
  ORDER BY 1, 2, 3`;

const REGIONS = `
  WITH offers AS (
    SELECT w.region_code, count(*) AS n, max(w.offered_at) AS last_at
    FROM offer_wave_applications o JOIN offer_waves w ON w.id = o.wave_id GROUP BY 1
  ), referrals AS (
    SELECT k.region_code, sum(r.n) AS issued, sum(r.n) FILTER (WHERE r.state = 'annulled') AS annulled, max(r.last_at) AS last_at
    FROM (SELECT kindergarten_id, state, count(*) AS n, max(issued_at) AS last_at FROM referrals GROUP BY 1, 2) r
    JOIN kindergartens k ON k.id = r.kindergarten_id GROUP BY 1
  ), stop_listed AS (
    SELECT region_code, count(*) AS n FROM applications
    WHERE stop_list_until IS NOT NULL AND status IN ('queued', 'turn_notified', 'referral_issued') AND stop_list_until > now()
    GROUP BY 1
  ), waves AS (
    SELECT region_code, max(offered_at) AS last_started, max(offers_signalled_at) AS last_finished FROM offer_waves GROUP BY 1
  ), last_ended AS (
    SELECT DISTINCT ON (region_code) region_code, extract(epoch FROM offers_signalled_at - offered_at)::float8 AS seconds
    FROM offer_waves WHERE offers_signalled_at IS NOT NULL ORDER BY region_code, offers_signalled_at DESC
  )
  SELECT r.code AS region, COALESCE(o.n, 0)::int AS offers,
    COALESCE(f.issued, 0)::int AS referrals_issued, COALESCE(f.annulled, 0)::int AS referrals_annulled,
    COALESCE(s.n, 0)::int AS stop_listed, GREATEST(o.last_at, f.last_at) AS last_moved_at,
    w.last_started, w.last_finished, e.seconds AS last_duration
  FROM regions r
  LEFT JOIN offers o ON o.region_code = r.code
  LEFT JOIN referrals f ON f.region_code = r.code
  LEFT JOIN stop_listed s ON s.region_code = r.code
  LEFT JOIN waves w ON w.region_code = r.code
  LEFT JOIN last_ended e ON e.region_code = r.code
  ORDER BY 1`;

interface RegionRow {
  region: string;
  offers: number;
  referrals_issued: number;
  referrals_annulled: number;
  stop_listed: number;
  last_moved_at: Date | null;
  last_started: Date | null;
  last_finished: Date | null;
  last_duration: number | null;
}

const byState = (table: 'notices' | 'documents', type: 'notice_state' | 'document_state') => `
  SELECT s.t::text AS status, COALESCE(c.n, 0)::int AS count
  FROM unnest(enum_range(NULL::${type})) AS s(t)
  LEFT JOIN (SELECT state, count(*) AS n FROM ${table} GROUP BY 1) c ON c.state = s.t
  ORDER BY 1`;

/**
 * Reads every figure in one read-only transaction, so they agree with each other; a statement that
 * takes longer than `timeoutMs` fails the read rather than holding a connection of the pool.
 */
export async function readServiceFigures(db: Db, timeoutMs = 5000): Promise<ServiceFigures> {
  return db.transaction(
    async (trx) => {
      await trx.raw(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      const applications = (await trx.raw(APPLICATIONS)).rows;
      const regions = (await trx.raw(REGIONS)).rows;
      const notices = (await trx.raw(byState('notices', 'notice_state'))).rows;
      const documents = (await trx.raw(byState('documents', 'document_state'))).rows;
      return {
        applications: applications.map((a: { region: string; queue_type: string; status: string; count: number }) => ({
          region: a.region,
          queueType: a.queue_type,
          status: a.status,
          count: a.count,
        })),
        regions: regions.map((r: RegionRow) => ({
          region: r.region,
          offers: r.offers,
          referralsIssued: r.referrals_issued,
          referralsAnnulled: r.referrals_annulled,
          stopListed: r.stop_listed,
          lastMovedAt: r.last_moved_at,
          waveLastStartedAt: r.last_started,
          waveLastFinishedAt: r.last_finished,
          waveLastDurationSeconds: r.last_duration,
        })),
        notices,
        documents,
      };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}
