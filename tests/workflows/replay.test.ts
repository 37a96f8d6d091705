import fs from 'node:fs';
import path from 'node:path';
import { replayHistory } from '../helpers/histories';

// Workflows live for years: every history ever recorded (tests/fixtures/record-histories.ts, and
// those recorded by hand before a change) must replay against the code as it is now.
const folder = path.join(__dirname, '..', 'fixtures', 'histories');
const histories = fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort();

describe('every recorded history replays against the current workflow code', () => {
  it('finds the recorded histories', () => {
    expect(histories.length).toBeGreaterThanOrEqual(32);
  });

  it.each(histories)('%s', async (name) => {
    await replayHistory(name);
  });
});
