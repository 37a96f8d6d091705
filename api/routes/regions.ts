import type { Db } from '../../db/connection';
import { regionContacts, regionSettings } from '../../db/regions';
import { ruleSettingsSchema } from '../../domain/rule-settings';
import { ensureRegionSchedules } from '../../schedules/daily-runs';
import { audit } from '../audit';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { regionSettingsAnswer } from '../schemas/responses';
import { regionParamsSchema, regionSettingsChangeSchema } from '../schemas/staff';
import { operatorKeeps, type StaffMember } from '../staff';
import { validate } from '../validate';

async function regionOf(db: Db, operator: StaffMember, code: string) {
  // A regional operator keeps only their region; another region answers as one that does not exist.
  const region = operatorKeeps(operator, code) ? await regionSettings(db, code) : undefined;
  if (!region) throw new Problem('NOT_FOUND', `no region ${code} that you keep`);
  return region;
}

/**
 * R10: a region's rule settings, changed without a code change. The daily runs and new
 * applications read them at once, running applications at their next run (each reconfirmation
 * cycle), each through an activity so its history records what it acted on; the schedules move
 * to the new hours. A change applies to deadlines computed after it and never shortens a running
 * one (an offer keeps the window it was made with). Each change is recorded in
 * region_settings_changes with who made it and when. Role: operator.
 */
export const REGION_ROUTES: AnyRoute[] = [
  route({
    operationId: 'getRegionSettings',
    method: 'get',
    path: '/api/v1/admin/regions/:code/settings',
    role: 'operator',
    summary: 'R10: a region’s rule settings',
    params: regionParamsSchema,
    ok: { status: 200, schema: regionSettingsAnswer },
    handle: async ({ caller, params }, { db }) => {
      const region = await regionOf(db, caller, params.code);
      return { ...region.settings, contacts: await regionContacts(db, region.code) };
    },
  }),
  route({
    operationId: 'changeRegionSettings',
    method: 'patch',
    path: '/api/v1/admin/regions/:code/settings',
    role: 'operator',
    summary: 'R10: change a region’s rule settings (not its numbering prefix); the daily schedules follow',
    params: regionParamsSchema,
    body: regionSettingsChangeSchema,
    ok: { status: 200, schema: regionSettingsAnswer },
    async handle({ caller: operator, params, body: change }, { db, temporal }) {
      const region = await regionOf(db, operator, params.code);
      const { contacts: newContacts, ...ruleChange } = change;
      const settings = validate(ruleSettingsSchema, { ...region.settings, ...ruleChange });
      const contacts = newContacts ?? (await regionContacts(db, region.code));
      // R10: the change and who made it, when, with what it left, in the same transaction.
      await db.transaction(async (trx) => {
        await trx('regions').where({ code: region.code }).update({ settings: JSON.stringify(settings), contacts: JSON.stringify(contacts) });
        await trx('region_settings_changes').insert({
          region_code: region.code,
          changed_by: operator.iin,
          change: JSON.stringify(change),
          settings: JSON.stringify(settings),
          contacts: JSON.stringify(contacts),
        });
      });
      await ensureRegionSchedules(temporal, region.code, settings);
      audit('region_settings_changed', { iin: operator.iin, region: region.code, change });
      return { ...settings, contacts };
    },
  }),
];
