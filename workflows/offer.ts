import { log, sleep, workflowInfo } from '@temporalio/workflow';
import { activities as act } from './application.activities';
import type { OfferRunResult, RegionRunInput } from '../contracts/offer';

/** R4.3: the evening publication of the places added during the past day. */
export async function publishPlacesWorkflow({ regionCode }: RegionRunInput): Promise<{ published: number }> {
  const result = await act.publishPlaces({ regionCode, at: Date.now() });
  log.info('places published', { regionCode, ...result });
  return result;
}

/**
 * R4.4: the morning offer. The published places go to the first eligible applications of each
 * queue and group year; each gets the offer and a notice (the application workflow sends it).
 * R4.5: the run then waits for the window's end (later if the calendar moved it) and opens the
 * wave's unchosen seats to free choice — so a run lives three working days, and the schedule lets
 * runs overlap.
 */
export async function offerPlacesWorkflow({ regionCode }: RegionRunInput): Promise<OfferRunResult> {
  const settings = await act.loadRuleSettings(regionCode);
  const at = Date.now();
  const waveId = workflowInfo().workflowId;
  const windowRule = { regionCode, from: at, days: settings.choiceWindowWorkingDays, rule: 'window' as const };
  const windowEndsAt = await act.workingDeadline(windowRule);
  const wave = await act.selectOfferWave({ waveId, regionCode, at, windowEndsAt, minimumAgeYears: settings.minimumAgeYears });
  const signalled = await act.signalOffers({ waveId });
  let freeChoicePlaces = 0;
  if (wave.places > 0) {
    let end = windowEndsAt;
    for (;;) {
      await sleep(Math.max(1, end - Date.now()));
      const later = await act.workingDeadline(windowRule);
      if (later <= end) break;
      end = later;
    }
    freeChoicePlaces = (await act.openFreeChoice({ waveId, at: Date.now() })).places;
  }
  log.info('offer run finished', { regionCode, waveId, ...wave, signalled, freeChoicePlaces });
  return { waveId, ...wave, signalled, freeChoicePlaces, windowEndsAt: new Date(windowEndsAt).toISOString() };
}
