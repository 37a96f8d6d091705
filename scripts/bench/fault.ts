// The fault run of issue 19 (`npm run bench -- --fault`): during the offer wave, once some but not
// all of its workflows took their offer (their notices left the outbox: a notice is released only
// after its workflow took the offer; the visibility count is not asked during the updates), a
// worker and the Temporal server are killed as a crash kills them (SIGKILL, nothing drained) and
// started again; afterwards nothing of the wave may be lost or doubled — R4.4 (one offer per
// application), R4.8 (the seat invariant), R9.1 (each notice once).
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { applicationWorkflowId, getStateQuery } from '../../contracts/application';
import { pool, round } from './load';
import type { OfferRun, WaveProgress } from './offer-run';
import type { BenchStack } from './stack';

export interface FaultTimings {
  /** Seconds from the 07:00 trigger to the kill, and how many of the wave's workflows had taken their offer then (by the outbox). */
  faultAtSeconds: number;
  heldAtFault: number;
  waveSize: number;
  /** From the kill until the Temporal server served again, and until the killed worker polled again. */
  temporalDownSeconds: number;
  workerDownSeconds: number;
  killedWorker: string;
}

export interface Fault {
  /** The offer run's `during` hook: kills and restarts once, in the background, so the polls go on. */
  during(progress: WaveProgress): Promise<void>;
  /** Waits for the restarts; fails when the fault never happened (the wave ended first) or a restart failed. */
  finished(): Promise<FaultTimings>;
}

/** A fault for one wave of `stack`: its first worker and its Temporal server. */
export function faultDuringWave(stack: BenchStack): Fault {
  const temporal = stack.temporal;
  const worker = stack.workers[0];
  if (!temporal || !worker) throw new Error('--fault kills the stack’s own Temporal server and a worker: unset TEMPORAL_ADDRESS');
  let sequence: Promise<FaultTimings> | undefined;
  return {
    async during({ waveSize, now, elapsedMs }) {
      if (sequence || now.outbox <= 0 || now.outbox >= waveSize) return;
      const log = (line: string) => process.stderr.write(`[bench] fault: ${line}\n`);
      log(`${now.outbox} of ${waveSize} took their offer: SIGKILL ${worker.name} (pid ${worker.pid}) and the ${temporal.name} (pid ${temporal.pid})`);
      sequence = (async () => {
        const killedAt = Date.now();
        await Promise.all([worker.kill(), temporal.kill()]);
        // The server first: a worker that starts without one exits at once.
        await temporal.restart();
        const temporalBack = Date.now();
        log(`the ${temporal.name} serves again after ${round((temporalBack - killedAt) / 1000)} s`);
        await worker.restart();
        const workerBack = Date.now();
        log(`${worker.name} polls again after ${round((workerBack - killedAt) / 1000)} s`);
        return {
          faultAtSeconds: round(elapsedMs / 1000, 2),
          heldAtFault: now.outbox,
          waveSize,
          temporalDownSeconds: round((temporalBack - killedAt) / 1000, 2),
          workerDownSeconds: round((workerBack - killedAt) / 1000, 2),
          killedWorker: worker.name,
        };
      })();
      // Seen by finished(); not here, where the polls must go on.
      sequence.catch(() => {});
    },
    async finished() {
      if (!sequence) throw new Error('the wave ended before any of its workflows was seen holding an offer while others did not: no fault was made (more --places)');
      return sequence;
    },
  };
}

export interface WaveCheck {
  /** Every check passed: nothing of the wave lost or doubled. */
  ok: boolean;
  failures: string[];
  /** The wave's applications by delivery (accepted is the only good end). */
  delivery: Record<string, number>;
  stateQueriesChecked: number;
  duplicateNotices: number;
  heldNotices: number;
  invariants: unknown;
}

/**
 * After the wave: every application of it holds exactly one offer, this wave's — in the read model
 * (turn notified, one turn_arrived event of the wave), in its workflow (the state query shows the
 * wave's places and window) and by the search attribute (as many as the wave offered, no more);
 * nobody outside the wave got its offer; no notice is in the outbox twice, none is left held; and
 * the API's seat invariant (R4.8) is clean.
 */
export async function checkWave(db: Db, temporal: Client, run: OfferRun, invariants: () => Promise<{ ok: boolean }>): Promise<WaveCheck> {
  const failures: string[] = [];
  const fail = (what: string, examples: string[] = []) => failures.push(examples.length ? `${what} (${examples.slice(0, 5).join(', ')}${examples.length > 5 ? ', …' : ''})` : what);
  const { waveId } = run;
  const wave = await db('offer_waves').where({ id: waveId }).first('offered_at', 'window_ends_at');

  const delivery: Record<string, number> = {};
  for (const r of (await db.raw(`SELECT coalesce(delivery, 'unrecorded') AS d, count(*)::int AS n FROM offer_wave_applications WHERE wave_id = ? GROUP BY 1`, [waveId])).rows) {
    delivery[r.d] = r.n;
  }
  const notAccepted = Object.entries(delivery).filter(([d]) => d !== 'accepted');
  if (notAccepted.length) fail(`applications of the wave whose offer did not stand: ${notAccepted.map(([d, n]) => `${n} ${d}`).join(', ')}`);

  // The read model: each application of the wave turn notified, with one offer event since the wave, the wave's.
  const rows: { number: string; place_ids: number[]; status: string; ours: number; since: number }[] = (
    await db.raw(
      `SELECT w.application_number AS number, coalesce(w.place_ids, s.place_ids) AS place_ids, a.status,
              (SELECT count(*) FROM application_events e WHERE e.application_number = w.application_number
                 AND e.cause = 'turn_arrived' AND e.details->>'offerId' = w.wave_id)::int AS ours,
              (SELECT count(*) FROM application_events e WHERE e.application_number = w.application_number
                 AND e.to_status = 'turn_notified' AND e.at >= v.offered_at - interval '5 seconds')::int AS since
         FROM offer_wave_applications w JOIN offer_waves v ON v.id = w.wave_id JOIN applications a ON a.number = w.application_number
         LEFT JOIN offer_wave_place_sets s ON s.wave_id = w.wave_id AND s.set_no = w.place_set
        WHERE w.wave_id = ? ORDER BY 1`,
      [waveId],
    )
  ).rows;
  const bad = (pred: (r: (typeof rows)[number]) => boolean) => rows.filter(pred).map((r) => r.number);
  const notNotified = bad((r) => r.status !== 'turn_notified');
  if (notNotified.length) fail(`${notNotified.length} applications of the wave not turn notified in the read model`, notNotified);
  const eventsOff = bad((r) => r.ours !== 1 || r.since !== 1);
  if (eventsOff.length) fail(`${eventsOff.length} applications of the wave without exactly one offer event, the wave’s`, eventsOff);
  const outside = Number(
    (
      await db.raw(
        `SELECT count(*) AS n FROM application_events e WHERE e.cause = 'turn_arrived' AND e.details->>'offerId' = ?
            AND NOT EXISTS (SELECT 1 FROM offer_wave_applications w WHERE w.wave_id = ? AND w.application_number = e.application_number)`,
        [waveId, waveId],
      )
    ).rows[0].n,
  );
  if (outside) fail(`${outside} offer events of the wave on applications outside it`);

  // The workflows themselves, every one: the state query shows this wave's places and window.
  const windowEndsAt = new Date(wave.window_ends_at).toISOString();
  const sameSet = (a: number[], b: number[]) => {
    const [x, y] = [[...a].sort((m, n) => m - n), [...b].sort((m, n) => m - n)];
    return x.length === y.length && x.every((v, i) => v === y[i]);
  };
  const stateOff: string[] = [];
  await pool(rows, 16, async (r) => {
    const state = await temporal.workflow.getHandle(applicationWorkflowId(r.number)).query(getStateQuery);
    if (state.status !== 'turn_notified' || !state.offer || !sameSet(state.offer.placeIds, r.place_ids) || state.offer.windowEndsAt !== windowEndsAt) stateOff.push(r.number);
  });
  if (stateOff.length) fail(`${stateOff.length} workflows of the wave whose state query does not show its offer`, stateOff);
  const holding = (await run.holding()) - run.holdingBefore;
  if (holding !== (delivery.accepted ?? 0)) fail(`${holding} workflows hold an offer by their search attribute, the wave accepted ${delivery.accepted ?? 0}`);

  // R9.1: no notice twice in the outbox since the wave — the same application, kind and recipient
  // (a family may have a second e-mail or phone: each gets its own) — and none left held.
  const duplicates: { number: string; kind: string; channel: string; n: number }[] = (
    await db.raw(
      `SELECT n.application_number AS number, n.kind, n.channel::text, count(*)::int AS n FROM notices n
        WHERE n.application_number IN (SELECT application_number FROM offer_wave_applications WHERE wave_id = ?)
          AND n.created_at >= ?::timestamptz - interval '5 seconds'
        GROUP BY n.application_number, n.kind, n.channel, n.recipient HAVING count(*) > 1`,
      [waveId, wave.offered_at],
    )
  ).rows;
  if (duplicates.length) fail(`${duplicates.length} notices in the outbox twice or more`, duplicates.map((d) => `${d.number} ${d.kind} ${d.channel} ×${d.n}`));
  const held = Number((await db.raw(`SELECT count(*) AS n FROM notices WHERE offer_wave_id = ? AND state = 'held'`, [waveId])).rows[0].n);
  if (held) fail(`${held} notices of the wave still held`);

  // R4.8, through the API as an operator reads it.
  const answer = await invariants();
  if (!answer.ok) fail(`GET /api/v1/admin/invariants: ${JSON.stringify(answer)}`);

  return { ok: failures.length === 0, failures, delivery, stateQueriesChecked: rows.length, duplicateNotices: duplicates.length, heldNotices: held, invariants: answer };
}
