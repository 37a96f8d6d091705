// The offer run (issue 18): from the 07:00 trigger until every offered workflow holds its offer and
// the read model, the history and the outbox say so, each timed on its own. The fault run (issue 19)
// runs the same wave and kills processes from its `during` hook.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/connection';
import { APPLICATION_TASK_QUEUE, applicationWorkflowId, getStateQuery } from '../../contracts/application';
import { STATUS_SEARCH_VALUE } from '../../domain/statuses';
import { offerPlacesWorkflow } from '../../workflows/offer';
import { countOf, pool, round } from './load';
import { benchPlaces } from './places';
import { BENCH_REGION } from './seed';

/** The number of rows a query counts, as a number. */
export const rowsOf = async (sql: string, bindings: unknown[], db: Db): Promise<number> => Number((await db.raw(sql, bindings as string[])).rows[0].n);

export type WaveCounts = Record<'readModel' | 'history' | 'outbox' | 'workflows', number>;

export interface WaveProgress {
  /** Applications the wave offers (known once it has chosen them). */
  waveSize: number;
  /** How far each of the four has come. */
  now: WaveCounts;
  elapsedMs: number;
}

export interface OfferRunOptions {
  queued: number;
  places: number;
  /** Called after each poll once the wave has chosen; the fault run kills and restarts processes here. */
  during?: (progress: WaveProgress) => Promise<void>;
  /** The state query of up to this many of the wave's workflows, spread over it (default 1,000). */
  stateQueries?: number;
}

export interface OfferRun {
  waveId: string;
  waveSize: number;
  /** Workflows of the bench region holding an offer before the trigger (earlier waves' offers). */
  holdingBefore: number;
  /** Running workflows of the bench region holding an offer now. */
  holding(): Promise<number>;
  /** The figure's values, as the bench prints them. */
  figure: Record<string, unknown>;
  /** Ends the run's workflow: its window is not waited for. */
  end(): Promise<void>;
}

/** The wave's applications it offered, as of its instant; SQL after `SELECT …`, bound to the wave's ID. */
export async function waveQuery(db: Db): Promise<string> {
  // Where the wave records delivery (the bulk wave), those it did not offer (no longer queued) or
  // whose workflow refused are not offered: the figure does not wait for them.
  const delivery = (await db.raw(`SELECT 1 FROM information_schema.columns WHERE table_name = 'offer_wave_applications' AND column_name = 'delivery'`)).rows.length > 0;
  const offered = delivery ? `AND w.delivery IS DISTINCT FROM 'not_offered' AND w.delivery IS DISTINCT FROM 'refused'` : '';
  return `FROM offer_wave_applications w JOIN offer_waves v ON v.id = w.wave_id WHERE w.wave_id = ? ${offered}`;
}

/** A poll that fails while the Temporal server is down (the fault run) keeps the last value. */
const orLast = async (count: () => Promise<number>, last: number): Promise<number> => {
  try {
    return await count();
  } catch {
    return last;
  }
};

/** Publishes `places` seats of one place each and runs the region's offer wave, timed as issue 18 times it. */
export async function runOfferWave(db: Db, temporal: Client, { queued, places, during, stateQueries = 1000 }: OfferRunOptions): Promise<OfferRun> {
  // Places left from an earlier run (the contention place) would join the wave: withdraw them.
  await db('places')
    .whereIn('kindergarten_id', db('kindergartens').where({ region_code: BENCH_REGION }).select('id'))
    .whereNull('offer_wave_id')
    .update({ published_at: null });
  await benchPlaces(db, places, 1, false);
  // Workflows holding an offer, by their search attribute; those offered by an earlier run's wave
  // (--reuse, or the fault run's baseline) are counted before the trigger and subtracted.
  const holding = async () =>
    (await temporal.workflow.count(`ExecutionStatus = 'Running' AND Region = '${BENCH_REGION}' AND ApplicationStatus = '${STATUS_SEARCH_VALUE.turn_notified}'`)).count;
  const holdingBefore = await holding();
  const waveId = `bench-offer-${randomUUID()}`;
  const t0 = Date.now();
  const run = await temporal.workflow.start(offerPlacesWorkflow, { workflowId: waveId, taskQueue: APPLICATION_TASK_QUEUE, args: [{ regionCode: BENCH_REGION }] });
  const WAVE = await waveQuery(db);
  const counts: Record<keyof WaveCounts, () => Promise<number>> = {
    readModel: () => rowsOf(`SELECT count(*) AS n ${WAVE} AND EXISTS (SELECT 1 FROM applications a WHERE a.number = w.application_number AND a.status = 'turn_notified')`, [waveId], db),
    history: () =>
      rowsOf(`SELECT count(*) AS n ${WAVE} AND EXISTS (SELECT 1 FROM application_events e WHERE e.application_number = w.application_number
        AND e.to_status = 'turn_notified' AND e.cause = 'turn_arrived' AND e.at >= v.offered_at - interval '5 seconds')`, [waveId], db),
    // A notice is in the outbox once it is in any state but held (held: written with the wave, not
    // yet released to send). Counted from the wave's own notices: the former join on the
    // application's number (no index there; the wave's fresh rows unknown to the planner) took
    // 0.5 s of PostgreSQL per poll at 20,000 queued, most of a core taken from the run it measures.
    outbox: () =>
      rowsOf(`SELECT count(DISTINCT n.application_number) AS n FROM notices n WHERE n.offer_wave_id = ? AND n.kind = 'turn_arrived' AND n.state::text <> 'held'`, [waveId], db),
    workflows: async () => (await holding()) - holdingBefore,
  };
  const keys = Object.keys(counts) as (keyof WaveCounts)[];
  const reached: Partial<WaveCounts> = {};
  const now: WaveCounts = { readModel: 0, history: 0, outbox: 0, workflows: 0 };
  // The visibility count is asked only once the outbox is complete — then on every poll, so the run's
  // end is late by at most one poll, never early. A notice leaves the outbox only after its workflow
  // took the offer, so nothing is missed by not asking sooner. Asked while the updates ran (once a
  // second, as before), it was a query over every workflow of the region in the dev server's one
  // SQLite connection: 0.45 s each at 50,000 queued, 46 % of the dev server's CPU in a profile of the
  // run, and every workflow update waited for the connection meanwhile.
  const due = (key: keyof WaveCounts) => key !== 'workflows' || reached.outbox !== undefined;
  let waveSize = -1;
  let lastProgress = t0;
  while (Object.keys(reached).length < keys.length) {
    if (waveSize >= 0 || (await db('offer_waves').where({ id: waveId }).first('id'))) {
      waveSize = await rowsOf(`SELECT count(*) AS n ${WAVE}`, [waveId], db);
      if (waveSize === 0) throw new Error('the offer run offered no place: is the seeded queue still queued?');
    }
    if (waveSize > 0) {
      for (const key of keys) {
        if (reached[key] !== undefined || !due(key)) continue;
        now[key] = await orLast(counts[key], now[key]);
        if (now[key] >= waveSize) reached[key] = Date.now() - t0;
      }
      if (during) await during({ waveSize, now: { ...now }, elapsedMs: Date.now() - t0 });
    }
    if (Date.now() - t0 > 600_000) throw new Error(`offer run: of ${waveSize} after 10 minutes: ${JSON.stringify(now)}`);
    if (Date.now() - lastProgress >= 5000) {
      lastProgress = Date.now();
      process.stderr.write(`[bench] offer run, ${round((Date.now() - t0) / 1000)} s, of ${waveSize}: ${JSON.stringify(now)}\n`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (key: keyof WaveCounts) => round(reached[key]! / 1000, 2);
  // What the search attribute says, checked against the workflows themselves (spread over the
  // wave): each one's state query shows the offer.
  const wave: { application_number: string }[] = (await db.raw(`SELECT w.application_number ${WAVE} ORDER BY 1`, [waveId])).rows;
  const chosen = await countOf(db('offer_wave_applications').where({ wave_id: waveId }));
  const sample = wave.filter((_, i) => i % Math.ceil(wave.length / stateQueries) === 0);
  let holdsOffer = 0;
  await pool(sample, 16, async (w) => {
    const state = await temporal.workflow.getHandle(applicationWorkflowId(w.application_number)).query(getStateQuery);
    if (state.status === 'turn_notified' && state.offer) holdsOffer++;
  });
  return {
    waveId,
    waveSize,
    holdingBefore,
    holding,
    figure: {
      queued,
      places,
      offered: waveSize,
      chosenNotOffered: Number(chosen) - waveSize,
      seconds: Math.max(...keys.map(seconds)),
      workflowsHoldOfferSeconds: seconds('workflows'),
      readModelSeconds: seconds('readModel'),
      historySeconds: seconds('history'),
      outboxSeconds: seconds('outbox'),
      stateQueryChecked: sample.length,
      stateQueryHoldsOffer: holdsOffer,
      goalSeconds: queued >= 50_000 ? 60 : 15,
    },
    end: async () => void (await run.terminate('benchmark measured; the window is not waited for')),
  };
}
