import { publicLookupQuery } from '../../db/public-board';
import { testDb } from '../helpers/db';
import type { Db } from '../../db/connection';

let db: Db;
beforeAll(() => {
  db = testDb(1);
});
afterAll(() => db?.destroy());

describe('R11.2 the public look-up is planned once per connection', () => {
  // The planner's choice itself shows only at scale (its costs come from the tables' real size): on
  // the bench's 50,000 after four waves the array parameter's generic plan cost 275 against a custom
  // plan's 209, and all of 1,000 look-ups in a row were planned afresh (pg_prepared_statements: 0
  // generic, 1,000 custom; README, "What the look-up's time was"; the bench reports it as `plans`).
  // Here, what decides it: no array parameter.
  it('passes its one number as plain parameters, none an array, so its generic plan is costed for one number', () => {
    const number = '75.UO.2026.000001.1';
    const { bindings } = publicLookupQuery(db, number).toSQL().toNative();
    expect(bindings).toEqual([number, number]);
  });
});
