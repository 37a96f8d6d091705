import { randomInt } from 'node:crypto';
import type { Db } from '../../db/connection';
import { makeIin } from '../../db/seeds/iin';

export interface Family {
  parentIin: string;
  childIin: string;
  childBirthDate: string;
}

function randomDate(fromYear: number, toYear: number): string {
  const y = randomInt(fromYear, toYear + 1);
  const m = randomInt(1, 13);
  const d = randomInt(1, 29);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

async function buildPerson(db: Db, birthDate: string, sex: 'male' | 'female', lastName: string): Promise<string> {
  for (;;) {
    const iin = makeIin(birthDate, sex, randomInt(0, 10_000));
    const inserted = await db('persons')
      .insert({ iin, last_name: lastName, first_name: 'Тест', birth_date: birthDate, sex })
      .onConflict('iin')
      .ignore()
      .returning('iin');
    if (inserted.length) return iin;
  }
}

/** A parent and a child in the registry mirror, linked as the registry links them. */
export async function buildFamily(db: Db, opts: { childBirthDate?: string } = {}): Promise<Family> {
  const childBirthDate = opts.childBirthDate ?? randomDate(2022, 2025);
  const parentIin = await buildPerson(db, randomDate(1980, 2000), 'female', 'Родитель');
  const childIin = await buildPerson(db, childBirthDate, randomInt(2) ? 'male' : 'female', 'Ребёнок');
  await db('person_parents').insert({ child_iin: childIin, parent_iin: parentIin });
  return { parentIin, childIin, childBirthDate };
}

/** A member of staff with a role and scope (R4 roles); returns their IIN. */
export async function buildStaff(
  db: Db,
  opts: { role: 'kindergarten_staff' | 'pmpk_staff' | 'operator'; regionCode: string | null; kindergartenId?: number },
): Promise<string> {
  const iin = await buildPerson(db, randomDate(1970, 1995), 'female', 'Сотрудник');
  const organisationBin = String(randomInt(10 ** 11, 10 ** 12));
  await db('staff').insert({ iin, role: opts.role, region_code: opts.regionCode, kindergarten_id: opts.kindergartenId ?? null, organisation_bin: organisationBin });
  return iin;
}
