import type { Client } from '@temporalio/client';
import { Counter, Gauge, type Registry } from 'prom-client';
import { checkDependencies } from '../api/readiness';
import type { Db } from '../db/connection';
import { readServiceFigures, type RegionFigures, type ServiceFigures } from '../db/service-figures';

export interface ServiceFigureOptions {
  db: Db;
  temporal: Client;
  /** A scrape within this long of the last read reuses it: several Prometheus servers cost one read. */
  maxAgeMs?: number;
  /** A read that failed; its figures are left out of that scrape (kq_dependency_up says whether PostgreSQL answers). */
  onError?: (err: unknown) => void;
}

/** The latest read, shared by every figure of a scrape (they are collected at once) and reused for `maxAgeMs`. */
function latestFigures({ db, maxAgeMs = 5000, onError }: ServiceFigureOptions): () => Promise<ServiceFigures | undefined> {
  let last: { startedAt: number; settled: boolean; figures: Promise<ServiceFigures | undefined> } | undefined;
  return () => {
    if (!last || (last.settled && Date.now() - last.startedAt >= maxAgeMs)) {
      const read = { startedAt: Date.now(), settled: false, figures: Promise.resolve<ServiceFigures | undefined>(undefined) };
      read.figures = readServiceFigures(db)
        .catch((err) => {
          onError?.(err);
          return undefined;
        })
        .finally(() => {
          read.settled = true;
        });
      last = read;
    }
    return last.figures;
  };
}

const seconds = (at: Date | null) => (at ? at.getTime() / 1000 : undefined);

/**
 * The service's own figures, read from PostgreSQL when Prometheus scrapes (never kept in a process,
 * so every API process reports the same: aggregate them with max, not sum), and whether the API's
 * dependencies answer. Counters are counts of rows that are never deleted.
 */
export function registerServiceFigures(registry: Registry, options: ServiceFigureOptions): void {
  const figures = latestFigures(options);
  const registers = [registry];

  new Gauge({
    name: 'kq_applications',
    help: 'Applications by region, queue type and status (R3)',
    labelNames: ['region', 'queue_type', 'status'],
    registers,
    async collect() {
      const f = await figures();
      this.reset();
      for (const a of f?.applications ?? []) this.set({ region: a.region, queue_type: a.queueType, status: a.status }, a.count);
    },
  });

  // One series per region. A counter's value is a count of rows, so it is set by a reset and one
  // increment; a region without a value (no wave yet) is left out rather than reported as 0, 1970.
  const regionSeries = (Metric: typeof Counter | typeof Gauge, name: string, help: string, value: (r: RegionFigures) => number | undefined) =>
    new Metric({
      name,
      help,
      labelNames: ['region'],
      registers,
      async collect(this: Counter<'region'> | Gauge<'region'>) {
        const f = await figures();
        this.reset();
        for (const r of f?.regions ?? []) {
          const v = value(r);
          if (v === undefined) continue;
          if (this instanceof Gauge) this.set({ region: r.region }, v);
          else this.inc({ region: r.region }, v);
        }
      },
    });
  const regionCounter = (name: string, help: string, value: (r: RegionFigures) => number) => regionSeries(Counter, name, help, value);
  const regionGauge = (name: string, help: string, value: (r: RegionFigures) => number | undefined) => regionSeries(Gauge, name, help, value);
  regionCounter('kq_offers_total', 'Offers made by the morning offer waves, one per application per wave (R4.4)', (r) => r.offers);
  regionCounter('kq_referrals_issued_total', 'Referrals issued (R5.1)', (r) => r.referralsIssued);
  regionCounter('kq_referrals_annulled_total', 'Referrals annulled, unused within their deadline (R5.2)', (r) => r.referralsAnnulled);
  regionGauge('kq_stop_listed', 'Active applications on the stop-list now (R5.3)', (r) => r.stopListed);
  regionGauge('kq_queue_last_moved_timestamp_seconds', "When the region's queue last moved: its latest offer or referral", (r) => seconds(r.lastMovedAt));
  regionGauge('kq_offer_wave_last_started_timestamp_seconds', "When the region's latest offer wave started", (r) => seconds(r.waveLastStartedAt));
  regionGauge('kq_offer_wave_last_finished_timestamp_seconds', "When the region's latest finished offer wave had signalled all its offers", (r) => seconds(r.waveLastFinishedAt));
  regionGauge('kq_offer_wave_duration_seconds', "The region's latest finished offer wave, from its start to its last offer signalled", (r) => r.waveLastDurationSeconds ?? undefined);

  for (const [name, help, rows] of [
    ['kq_notices', 'Notices in the outbox by status: held (an offer wave’s, until the workflow takes its offer up), pending, sent, failed (R9.1)', (f: ServiceFigures) => f.notices],
    ['kq_documents', 'Documents by status: rendering, ready, failed (R9.2)', (f: ServiceFigures) => f.documents],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['status'],
      registers,
      async collect() {
        const f = await figures();
        this.reset();
        for (const s of f ? rows(f) : []) this.set({ status: s.status }, s.count);
      },
    });
  }

  new Gauge({
    name: 'kq_dependency_up',
    help: 'Whether a dependency answered within 2 s at the scrape (1) or not (0)',
    labelNames: ['dependency'],
    registers,
    async collect() {
      const checks = await checkDependencies(options);
      for (const [dependency, state] of Object.entries(checks)) this.set({ dependency }, state === 'up' ? 1 : 0);
    },
  });
}
