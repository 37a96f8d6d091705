/**
 * R10.2, R4.1: how first-priority applications share places with the general queue. `strict`: every
 * first-priority application before every general one. `ratio`: out-of-turn ones always first, then
 * a cycle of k first-priority seats and m general seats (Astana: 1 to 3). The cycle runs per region
 * and group year of the general queue, and its position carries from wave to wave: a wave stops where
 * its seats run out and the next starts from there. When one side has no one left, the other takes
 * its seat, and the cycle still moves on by one per seat given (out-of-turn seats do not move it).
 *
 * Example, 1:3, a fresh cycle, 2 out-of-turn waiting, 8 seats: O O F G G G F G (next position 2).
 */
export type PriorityShare = { mode: 'strict' } | { mode: 'ratio'; firstPriority: number; general: number };
export type ShareRatio = Extract<PriorityShare, { mode: 'ratio' }>;

export const STRICT_PRIORITY: PriorityShare = { mode: 'strict' };

const cycleLength = (r: ShareRatio) => r.firstPriority + r.general;
const firstPrioritySlot = (r: ShareRatio, position: number) => position % cycleLength(r) < r.firstPriority;

export interface Waiting<T> {
  /** each in queue order (registration time) */
  outOfTurn: readonly T[];
  firstPriority: readonly T[];
  general: readonly T[];
}

/**
 * R10.2: the first `seats` applications in the merged order, from the cycle position the last wave
 * left (0 for a fresh cycle), and the position the next wave starts from.
 */
export function mergeByShare<T>(waiting: Waiting<T>, seats: number, ratio: ShareRatio, position: number): { order: T[]; position: number } {
  const order = waiting.outOfTurn.slice(0, seats);
  let f = 0;
  let g = 0;
  let pos = position % cycleLength(ratio);
  while (order.length < seats && (f < waiting.firstPriority.length || g < waiting.general.length)) {
    const wantFirst = firstPrioritySlot(ratio, pos);
    const takeFirst = wantFirst ? f < waiting.firstPriority.length : g >= waiting.general.length;
    order.push(takeFirst ? waiting.firstPriority[f++]! : waiting.general[g++]!);
    pos = (pos + 1) % cycleLength(ratio);
  }
  return { order, position: pos };
}

/** The 0-based absolute slot of the n-th (1-based) first-priority (or general) slot counted from the cycle's start. */
const nthSlot = (r: ShareRatio, n: number, first: boolean) => {
  const per = first ? r.firstPriority : r.general;
  return Math.floor((n - 1) / per) * cycleLength(r) + (first ? 0 : r.firstPriority) + ((n - 1) % per);
};
/** First-priority slots among the absolute slots [0, x). */
const firstSlotsBefore = (r: ShareRatio, x: number) => Math.floor(x / cycleLength(r)) * r.firstPriority + Math.min(x % cycleLength(r), r.firstPriority);

export interface MergedPositionInput {
  category: 'first_priority' | 'general';
  /** active out-of-turn applications in the queue (all of them are ahead) */
  outOfTurn: number;
  /** of the application's own category, those ahead of it */
  aheadInCategory: number;
  /** of the other category (first-priority for a general application and the reverse), all of them */
  otherCategory: number;
  ratio: ShareRatio;
  /** the cycle position the next wave starts from */
  position: number;
}

/**
 * R4.1, R10.2: an application's 1-based number in the merged order — the place `mergeByShare` would
 * give it were there seats for everyone. Its own category's slots come in cycle order; of the other
 * category, as many are ahead as there are of their slots before its own, but no more than there are.
 */
export function mergedPosition(i: MergedPositionInput): number {
  const first = i.category === 'first_priority';
  const start = i.position % cycleLength(i.ratio);
  const ownBefore = first ? firstSlotsBefore(i.ratio, start) : start - firstSlotsBefore(i.ratio, start);
  const n = i.aheadInCategory + 1;
  const slot = nthSlot(i.ratio, ownBefore + n, first) - start; // 0-based from the next wave's start
  const otherSlotsBefore = slot - (n - 1);
  return i.outOfTurn + n + Math.min(i.otherCategory, otherSlotsBefore);
}
