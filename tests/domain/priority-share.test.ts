import { mergeByShare, mergedPosition, type ShareRatio } from '../../domain/priority-share';

const astana: ShareRatio = { mode: 'ratio', firstPriority: 1, general: 3 };
const waiting = (o: number, f: number, g: number) => ({
  outOfTurn: Array.from({ length: o }, (_, i) => `O${i + 1}`),
  firstPriority: Array.from({ length: f }, (_, i) => `F${i + 1}`),
  general: Array.from({ length: g }, (_, i) => `G${i + 1}`),
});
const letters = (order: string[]) => order.map((s) => s[0]).join(' ');

describe('R10.2 first-priority shares places with the general queue', () => {
  it('R10.2 1:3, a fresh cycle, 2 out-of-turn waiting, a wave of 8 seats: O O F G G G F G', () => {
    const { order, position } = mergeByShare(waiting(2, 5, 10), 8, astana, 0);
    expect(letters(order)).toBe('O O F G G G F G');
    expect(order).toEqual(['O1', 'O2', 'F1', 'G1', 'G2', 'G3', 'F2', 'G4']);
    expect(position).toBe(2);
  });

  it('R10.2 the cycle carries across waves: 2 seats, then 6, continue where the first stopped', () => {
    const queue = waiting(0, 5, 10);
    const first = mergeByShare(queue, 2, astana, 0);
    expect(letters(first.order)).toBe('F G');
    const rest = { ...queue, firstPriority: queue.firstPriority.slice(1), general: queue.general.slice(1) };
    const second = mergeByShare(rest, 6, astana, first.position);
    expect(letters(second.order)).toBe('G G F G G G');
    expect([...first.order, ...second.order]).toEqual(mergeByShare(queue, 8, astana, 0).order);
    // and with 2 out-of-turn taking a wave of 2 seats, the cycle does not move
    const outOfTurnWave = mergeByShare(waiting(2, 5, 10), 2, astana, 0);
    expect(outOfTurnWave).toEqual({ order: ['O1', 'O2'], position: 0 });
    expect(letters(mergeByShare(waiting(0, 5, 10), 6, astana, outOfTurnWave.position).order)).toBe('F G G G F G');
  });

  it('R10.2 when one side runs out the other fills its seats; out-of-turn beyond the seats wait', () => {
    expect(letters(mergeByShare(waiting(0, 1, 10), 6, astana, 0).order)).toBe('F G G G G G');
    expect(letters(mergeByShare(waiting(0, 5, 1), 5, astana, 0).order)).toBe('F G F F F');
    expect(letters(mergeByShare(waiting(3, 5, 5), 2, astana, 0).order)).toBe('O O');
    expect(mergeByShare(waiting(0, 1, 1), 5, astana, 3)).toEqual({ order: ['G1', 'F1'], position: 1 });
  });

  it('R4.1 R10.2 the queue number is the place in the merged order, for any counts, ratio and cycle position', () => {
    for (const ratio of [astana, { mode: 'ratio', firstPriority: 2, general: 3 } as ShareRatio, { mode: 'ratio', firstPriority: 1, general: 1 } as ShareRatio]) {
      for (let position = 0; position < ratio.firstPriority + ratio.general; position++) {
        for (const [o, f, g] of [[0, 0, 4], [2, 5, 10], [1, 9, 2], [0, 3, 3], [3, 0, 0], [0, 7, 0]] as const) {
          const q = waiting(o, f, g);
          const { order } = mergeByShare(q, o + f + g, ratio, position);
          order.forEach((id, index) => {
            if (id.startsWith('O')) return; // out-of-turn keep their strict numbers
            const firstPriority = id.startsWith('F');
            const n = Number(id.slice(1));
            const got = mergedPosition({
              category: firstPriority ? 'first_priority' : 'general',
              outOfTurn: o,
              aheadInCategory: n - 1,
              otherCategory: firstPriority ? g : f,
              ratio,
              position,
            });
            expect({ id, ratio, position, got }).toEqual({ id, ratio, position, got: index + 1 });
          });
        }
      }
    }
  });
});
