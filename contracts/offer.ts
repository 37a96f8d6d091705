/** The contract of the daily runs (R4.3–R4.5): inputs, results, schedule and workflow IDs. */

export interface RegionRunInput {
  regionCode: string;
}

export interface OfferRunResult {
  waveId: string;
  applications: number;
  places: number;
  seats: number;
  /** Offers sent to application workflows (a bulk wave: those answered). */
  signalled: number;
  /** R4.4, a bulk wave: offers the workflows took up, and refused (they had changed; withdrawn). */
  accepted?: number;
  refused?: number;
  /** R4.5: places whose unchosen seats went to free choice at the window's end. */
  freeChoicePlaces: number;
  windowEndsAt: string;
}

export type DailyRun = 'publish' | 'offer';

/** One schedule per region and run; its workflows carry the same ID plus the scheduled time. */
export const scheduleId = (run: DailyRun, regionCode: string): string => `${run}-places:${regionCode}`;
