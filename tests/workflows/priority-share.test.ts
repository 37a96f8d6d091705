import type { WorkflowHandle } from '@temporalio/client';
import { almatyDate } from '../../domain/almaty-time';
import type { BenefitCategory } from '../../domain/queue';
import { queueNumbers } from '../../db/queue-numbers';
import { buildPlace, buildRegion, eventually, startApplication, terminateWhenIdle, waitForState, type Started } from '../helpers/lifecycle';
import { publishAndOffer } from '../helpers/offer-runs';
import { useWorkflowSuite } from '../helpers/temporal';

// R10.2 with R4.1: a region sharing places 1 first-priority to 3 general (Astana). Each test runs the
// real publication and offer and checks that the wave picks the applications the public numbers
// (db/queue-numbers.ts, read by the public look-up and the card) put first.

const suite = useWorkflowSuite();
const open: WorkflowHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => terminateWhenIdle(h)));
});

const LETTER: Record<BenefitCategory, string> = { out_of_turn: 'O', first_priority: 'F', none: 'G' };

async function queue(regionCode: string, groupYear: number, counts: [BenefitCategory, number][]) {
  const letters = new Map<string, string>();
  const started: Started[] = [];
  for (const [benefitCategory, n] of counts) {
    for (let i = 0; i < n; i++) {
      const s = await startApplication(suite.env, suite.db, { regionCode, childBirthDate: `${groupYear}-01-10`, benefitCategory });
      open.push(s.handle);
      started.push(s);
      letters.set(s.filing.number, LETTER[benefitCategory]);
    }
  }
  await eventually(
    () => suite.db('applications').whereIn('number', [...letters.keys()]).where({ status: 'queued' }).count({ n: '*' }).first(),
    (r) => Number(r?.n) === letters.size,
    'every application in the queue',
  );
  return { letters, started };
}

/** The waiting applications by their public number (R4.1): number → application. */
async function byNumber(numbers: string[]) {
  const at = new Map<number, string>();
  for (const n of numbers) at.set((await queueNumbers(suite.db, n))!.inQueue, n);
  return at;
}

async function wave(regionCode: string, groupYear: number, seats: number) {
  await buildPlace(suite.db, { regionCode, groupYear, seats });
  const offer = await publishAndOffer(suite.env, suite.db, regionCode);
  open.push(offer.run);
  return offer.chosen;
}

const position = async (regionCode: string, groupYear: number) =>
  (await suite.db('priority_share_cycles').where({ region_code: regionCode, group_year: groupYear }).first('position'))?.position;

async function groupYearNow() {
  return Number(almatyDate(await suite.env.currentTimeMs()).slice(0, 4)) - 3;
}

describe('R10.2 first-priority shares places with the general queue, 1 to 3', () => {
  it('R10.2 R4.1 a wave of 8 seats from a fresh cycle with 2 out-of-turn waiting goes O O F G G G F G, as the public numbers say', async () => {
    const { db } = suite;
    const groupYear = await groupYearNow();
    const regionCode = await buildRegion(db, { priorityShare: { mode: 'ratio', firstPriority: 1, general: 3 } });
    const { letters } = await queue(regionCode, groupYear, [['none', 6], ['first_priority', 3], ['out_of_turn', 2]]);

    const numbered = await byNumber([...letters.keys()]);
    expect([...numbered.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    const firstEight = Array.from({ length: 8 }, (_, i) => numbered.get(i + 1)!);
    expect(firstEight.map((n) => letters.get(n)).join(' ')).toBe('O O F G G G F G');

    const chosen = await wave(regionCode, groupYear, 8);
    expect(chosen).toEqual([...firstEight].sort());
    expect(await position(regionCode, groupYear)).toBe(2);
  });

  it('R10.2 R4.1 across two waves (2 seats, then 6) the cycle goes on where the first stopped, and the numbers follow it', async () => {
    const { db } = suite;
    const groupYear = await groupYearNow();
    const regionCode = await buildRegion(db, { priorityShare: { mode: 'ratio', firstPriority: 1, general: 3 } });
    const { letters, started } = await queue(regionCode, groupYear, [['none', 8], ['first_priority', 3]]);
    const all = [...letters.keys()];
    const lettersOf = (numbers: string[]) => numbers.map((n) => letters.get(n)).join(' ');

    const before = await byNumber(all);
    const firstTwo = [before.get(1)!, before.get(2)!];
    expect(lettersOf(firstTwo)).toBe('F G');
    expect(await wave(regionCode, groupYear, 2)).toEqual([...firstTwo].sort());
    expect(await position(regionCode, groupYear)).toBe(2);
    // the two hold their offers; the waiting are numbered from 3 on, from where the cycle stands
    await Promise.all(
      started.filter((s) => firstTwo.includes(s.filing.number)).map((s) => waitForState(s.handle, (st) => st.status === 'turn_notified', 'offered')),
    );
    const waiting = all.filter((n) => !firstTwo.includes(n));
    const after = await byNumber(waiting);
    expect([...after.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 9 }, (_, i) => i + 3));
    const nextSix = Array.from({ length: 6 }, (_, i) => after.get(i + 3)!);
    expect(lettersOf(nextSix)).toBe('G G F G G G');

    expect(await wave(regionCode, groupYear, 6)).toEqual([...nextSix].sort());
    expect(lettersOf([...firstTwo, ...nextSix])).toBe('F G G G F G G G');
    expect(await position(regionCode, groupYear)).toBe(0);
  });

  it('R10.2 in strict order (the default) the wave takes out-of-turn, then first-priority, then the rest, and keeps no cycle', async () => {
    const { db } = suite;
    const groupYear = await groupYearNow();
    const regionCode = await buildRegion(db);
    const { letters } = await queue(regionCode, groupYear, [['none', 4], ['first_priority', 3], ['out_of_turn', 1]]);
    const numbered = await byNumber([...letters.keys()]);
    const firstFive = Array.from({ length: 5 }, (_, i) => numbered.get(i + 1)!);
    expect(firstFive.map((n) => letters.get(n)).join(' ')).toBe('O F F F G');
    expect(await wave(regionCode, groupYear, 5)).toEqual([...firstFive].sort());
    expect(await position(regionCode, groupYear)).toBeUndefined();
  });
});
