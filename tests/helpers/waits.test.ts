/**
 * The tests' bounded waits (tests/helpers/waits.ts): a stall of the whole process past the bound
 * must not fail a wait whose answer arrived during the stall.
 */
import { stat } from 'node:fs/promises';
import { waitUntil } from './waits';

describe('waitUntil', () => {
  it('reads once more after the bound when the process stalled past it, so an answer that arrived meanwhile is seen', async () => {
    let arrived = false;
    let reads = 0;
    const read = async () => {
      reads++;
      if (reads === 1) {
        // The answer's I/O completes while the process is busy past the bound; its callback waits
        // behind the timers that run first once the process is free again.
        void stat(__filename).then(() => (arrived = true));
        const until = Date.now() + 300;
        while (Date.now() < until);
      }
      return arrived;
    };
    await expect(waitUntil(read, (ok) => ok, { label: 'the stalled answer', timeoutMs: 100 })).resolves.toBe(true);
  });

  it('still fails once the bound has passed and the last reading is not what was expected', async () => {
    await expect(waitUntil(async () => 'no', (v) => v === 'yes', { label: 'never', expect: 'yes', timeoutMs: 100 })).rejects.toThrow(
      'never: expected yes within 100 ms; last reading: "no"',
    );
  });
});
