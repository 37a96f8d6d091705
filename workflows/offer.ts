import { log, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import { activities as act } from './application.activities';
import type { ApplicationActivities } from '../contracts/activities';
import type { OfferRunResult, RegionRunInput } from '../contracts/offer';
import { calendarWindowEnd } from '../domain/working-days';

/**
 * The wave's bulk steps: one call works through every application of the wave (thousands at
 * Almaty's scale), heartbeating after each chunk, and a retry goes on where the last one stopped.
 * A worker lost mid-wave is noticed when its heartbeats stop: 20 s, several chunks' time, rather than
 * a minute (the bench's fault run lost a whole minute to it).
 */
const wave = proxyActivities<Pick<ApplicationActivities, 'recordOfferWave' | 'deliverWaveOffers'>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/** R4.3: the evening publication of the places added during the past day. */
export async function publishPlacesWorkflow({ regionCode }: RegionRunInput): Promise<{ published: number }> {
  const at = Date.now();
  const result = await act.publishPlaces({ regionCode, at });
  log.info('places published', { regionCode, ...result });
  // R11.3: with the day's places, the chain's head signed by the service; runs recorded before it sign none.
  if (patched('chain-signed-head')) {
    const head = await act.signChainHead({ regionCode, at });
    log.info('chain head signed', { regionCode, ...head });
  }
  return result;
}

/**
 * R4.4: the morning offer. The published places go to the first eligible applications of each
 * queue and group year; each gets the offer and a notice — written for the whole wave in bulk, then
 * taken up by each application workflow (before the bulk wave, each workflow wrote its own).
 * R4.5: the run then waits for the window's end (later if the calendar moved it) and opens the
 * wave's unchosen seats to free choice — so a run lives three working days, and the schedule lets
 * runs overlap. R10: a region may count its window in calendar days instead: the end is then
 * computed here (the offer day is day 1, no calendar is asked) and never moves. The settings come
 * from an activity, so a run recorded before the setting (no mode) replays the working-day path.
 */
export async function offerPlacesWorkflow({ regionCode }: RegionRunInput): Promise<OfferRunResult> {
  const settings = await act.loadRuleSettings(regionCode);
  const at = Date.now();
  const waveId = workflowInfo().workflowId;
  const windowRule = { regionCode, from: at, days: settings.choiceWindowWorkingDays, rule: 'window' as const };
  const calendarDays = settings.choiceWindowMode === 'calendar';
  const windowEndsAt = calendarDays ? calendarWindowEnd(at, settings.choiceWindowWorkingDays) : await act.workingDeadline(windowRule);
  const chosen = await act.selectOfferWave({
    waveId,
    regionCode,
    at,
    windowEndsAt,
    windowMode: settings.choiceWindowMode,
    windowDays: settings.choiceWindowWorkingDays,
    kindsOnOffer: settings.kindsOnOffer,
    privatePlacesByQueue: settings.privatePlacesByQueue,
    priorityShare: settings.priorityShare,
    minimumAgeYears: settings.minimumAgeYears,
  });
  let signalled: number;
  let answers: Pick<OfferRunResult, 'accepted' | 'refused'> = {};
  if (patched('bulk-offer-wave')) {
    // R4.4 in bulk: the wave writes every offer's event, read model and held notices itself; each
    // workflow only takes its offer up (or refuses it), and the notices go once it has.
    await wave.recordOfferWave({ waveId });
    const delivery = await wave.deliverWaveOffers({ waveId });
    signalled = delivery.delivered;
    answers = { accepted: delivery.accepted, refused: delivery.refused };
  } else {
    signalled = await act.signalOffers({ waveId }); // runs started before the bulk wave
  }
  let freeChoicePlaces = 0;
  if (chosen.places > 0) {
    let end = windowEndsAt;
    for (;;) {
      await sleep(Math.max(1, end - Date.now()));
      if (calendarDays) break;
      const later = await act.workingDeadline(windowRule);
      if (later <= end) break;
      end = later;
    }
    freeChoicePlaces = (await act.openFreeChoice({ waveId, at: Date.now() })).places;
  }
  log.info('offer run finished', { regionCode, waveId, ...chosen, signalled, ...answers, freeChoicePlaces });
  return { waveId, ...chosen, signalled, ...answers, freeChoicePlaces, windowEndsAt: new Date(windowEndsAt).toISOString() };
}
