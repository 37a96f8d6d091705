import type { Db } from '../../db/connection';
import { allocateRegistrationNumber } from '../../db/registration-numbers';
import { almatyDate } from '../../domain/almaty-time';
import type { ApplicationFiling } from '../../contracts/application';
import type { BenefitCategory } from '../../domain/queue';
import { buildFamily } from './factories';

/** A filing as the API would build it, for a new family in the registry mirror. */
export async function buildFiling(
  db: Db,
  opts: { registeredAt: number; regionCode?: string; childBirthDate?: string; benefitCategory?: BenefitCategory; needCategory?: string },
): Promise<ApplicationFiling> {
  const regionCode = opts.regionCode ?? 'almaty';
  const region = await db('regions').where({ code: regionCode }).first('settings');
  const family = await buildFamily(db, { childBirthDate: opts.childBirthDate });
  const year = Number(almatyDate(opts.registeredAt).slice(0, 4));
  // R8.1: a category of need makes it a correctional filing (KDDO numbers, a counter of their own).
  const queueType = opts.needCategory ? 'correctional' : 'general';
  // One counter per queue type for every test filing, so numbers stay unique across the test regions' prefixes.
  const number = await allocateRegistrationNumber(db, { code: 'almaty', prefix: region.settings.numberPrefix }, queueType, year);
  return {
    number,
    regionCode,
    queueType,
    ...(opts.needCategory ? { needCategory: opts.needCategory } : {}),
    childIin: family.childIin,
    childBirthDate: family.childBirthDate,
    applicantIin: family.parentIin,
    benefitCategory: opts.benefitCategory ?? 'none',
    groupYear: Number(family.childBirthDate.slice(0, 4)),
    language: 'kk',
    contacts: { email: `parent-${number}@example.kz`, phone: '+77010000000' },
    registeredAt: opts.registeredAt,
  };
}
