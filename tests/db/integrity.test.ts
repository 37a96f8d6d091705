import { ApplicationFailure } from '@temporalio/activity';
import { createActivities } from '../../activities';
import { INTEGRITY_VIOLATION, withIntegrityFailures } from '../../activities/integrity';
import type { Db } from '../../db/connection';
import { testDb } from '../helpers/db';

let db: Db;
// Places made without a seat for these tests, removed after: left behind, a place with no free seat
// and no referral breaks the R4.8 invariant that other test files check across the database.
const madeWithNoSeat: number[] = [];
beforeAll(() => {
  db = testDb();
});
afterAll(async () => {
  if (madeWithNoSeat.length) await db('places').whereIn('id', madeWithNoSeat).del();
  await db?.destroy();
});

/** What a caught failure says: its type and whether Temporal may retry it. */
async function failureOf(run: () => Promise<unknown>) {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  return { type: failure.type, nonRetryable: failure.nonRetryable, details: failure.details?.[0] };
}

async function placeWithNoSeat(): Promise<number> {
  const kg = await db('kindergartens').where({ region_code: 'almaty', kind: 'state' }).orderBy('id').first('id');
  const [place] = await db('places')
    .insert({ kindergarten_id: kg.id, group_year: 2022, language: 'ru', place_type: 'general', total: 1, free: 0, released_on: '2026-11-24' })
    .returning('id');
  madeWithNoSeat.push(place.id);
  return place.id;
}

describe('integrity violations are typed, non-retryable failures, mapped in one place', () => {
  it('R4.8 a seat taken past the places_free_within_total check (as when the free > 0 guard is missing) is PLACE_TAKEN, not a retry without end', async () => {
    const placeId = await placeWithNoSeat();
    const { reserveUnguarded } = withIntegrityFailures({
      reserveUnguarded: () => db('places').where({ id: placeId }).decrement('free', 1),
    });
    try {
      expect(await failureOf(reserveUnguarded)).toEqual({
        type: 'PLACE_TAKEN',
        nonRetryable: true,
        details: expect.objectContaining({ constraint: 'places_free_within_total', sqlState: '23514' }),
      });
    } finally {
      await db('places').where({ id: placeId }).delete(); // a seat held by no referral would trip the R4.8 invariant check elsewhere
    }
  });

  it('a violation no rule stands for (a foreign key, here an event for an application that does not exist) is INTEGRITY_VIOLATION, not retried', async () => {
    const { recordTransition } = createActivities({ db });
    const failure = await failureOf(() =>
      recordTransition({ number: '75.UO.2026.999999.9', seq: 2, at: Date.now(), from: 'queued', to: 'queued', cause: 'deadline_moved', actor: 'system' }),
    );
    expect(failure).toEqual({ type: INTEGRITY_VIOLATION, nonRetryable: true, details: expect.objectContaining({ sqlState: '23503' }) });
  });

  it('any other error passes through untouched, for Temporal to retry', async () => {
    const boom = new Error('connection reset');
    const { flaky } = withIntegrityFailures({ flaky: () => Promise.reject(boom) });
    await expect(flaky()).rejects.toBe(boom);
  });
});
