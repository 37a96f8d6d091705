import type { Db } from '../../db/connection';
import { regionSettings } from '../../db/regions';
import { DEFAULT_RULE_SETTINGS, SETTINGS_ADDED_LATER } from '../../domain/rule-settings';
import { testDb } from '../helpers/db';

// R10: the settings a region row held when regions were first stored (the development database of
// that time still has exactly these). Every setting added since must be in SETTINGS_ADDED_LATER, or
// a worker reading such a row stops at start — as one did when priorityShare was added without it.
const FIRST_STORED = {
  offerHour: 7,
  numberPrefix: '75',
  minimumAgeYears: 2,
  publicationHour: 18,
  withdrawalHours: 24,
  extensionMaxDays: 30,
  referralWorkingDays: 5,
  stopListWorkingDays: 10,
  reconfirmationMonths: 12,
  choiceWindowWorkingDays: 3,
  expiredReferralsToRemove: 2,
  reconfirmationReminderDays: 30,
};

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => db?.destroy());

describe('R10 region settings stored before a rule gained a setting', () => {
  it('R10 every setting is either among the first stored or has a value for rows stored before it', () => {
    const missing = Object.keys(DEFAULT_RULE_SETTINGS).filter((k) => !(k in FIRST_STORED) && !(k in SETTINGS_ADDED_LATER));
    expect(missing).toEqual([]);
  });

  it('R10 a region row with only the first settings is read, each later setting at its default', async () => {
    const code = `old${Date.now() % 100000}`;
    await db('regions').insert({ code, name_ru: 'Старый регион', name_kk: 'Ескі өңір', settings: JSON.stringify({ ...FIRST_STORED, numberPrefix: '99' }) });
    const read = await regionSettings(db, code);
    expect(read?.settings).toEqual({ ...DEFAULT_RULE_SETTINGS, ...FIRST_STORED, numberPrefix: '99' });
    expect(read?.settings.priorityShare).toEqual({ mode: 'strict' });
  });
});
