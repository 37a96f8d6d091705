import type { Knex } from 'knex';
import { HOLIDAY_SOURCES, publicHolidays } from '../../domain/holidays';

/**
 * Seeds the national (region_code NULL) public holidays and transferred days off of 2026–2031 into
 * `calendar_days`, as derived by domain/holidays.ts. From then on the table is the calendar:
 * operators correct it (decrees, the confirmed Kurban Ait date), so rows already there win
 * (ON CONFLICT DO NOTHING on the one-row-per-day index). A later change to the holiday rules needs
 * a new migration: this one reads the rules as they are when it runs.
 */
const FIRST_YEAR = 2026;
const LAST_YEAR = 2031;

const TABLE = 'calendar_days';

export async function up(knex: Knex): Promise<void> {
  const years = Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, i) => FIRST_YEAR + i);
  const rows = years.flatMap((year) =>
    publicHolidays(year).map(({ day, kind, name, source }) => ({ day, region_code: null, kind, name, source })),
  );
  // No conflict target: the unique index is on an expression, (day, COALESCE(region_code, '')).
  await knex(TABLE).insert(rows).onConflict().ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex(TABLE).whereNull('region_code').whereIn('source', Object.values(HOLIDAY_SOURCES)).delete();
}
