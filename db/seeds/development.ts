import type { Db } from '../connection';
import { makeIin } from './iin';
import { DEFAULT_RULE_SETTINGS, type RegionContacts, type RuleSettings } from '../../domain/rule-settings';

/**
 * R10: the three kinds of portal in the instructions — Almaty, Astana, and the other settlements —
 * each with its own settings: Almaty as the seeds (3 working days, state kindergartens), Astana
 * as it has run (1 calendar day; state, private by free choice only, mini-centres; 1 first-priority
 * place to 3 general), Karaganda region (3 working days; state and village kindergartens, private
 * ones offered by the queue).
 */
export const DEMO_REGIONS: { code: string; name_ru: string; name_kk: string; settings: RuleSettings; contacts: RegionContacts }[] = [
  {
    code: 'almaty',
    name_ru: 'г. Алматы',
    name_kk: 'Алматы қ.',
    settings: { ...DEFAULT_RULE_SETTINGS, numberPrefix: '75', choiceWindowMode: 'working', choiceWindowWorkingDays: 3, kindsOnOffer: ['state'], privatePlacesByQueue: false },
    contacts: { callCentre: '1308, 338-33-88', email: 'sp.ddoalmaty@gmail.com', educationDepartment: '262 21 15, 233-32-39', hours: 'пн–пт 9:00–18:00' },
  },
  {
    code: 'astana',
    name_ru: 'г. Астана',
    name_kk: 'Астана қ.',
    settings: {
      ...DEFAULT_RULE_SETTINGS,
      numberPrefix: '71',
      choiceWindowMode: 'calendar',
      choiceWindowWorkingDays: 1,
      kindsOnOffer: ['state', 'private', 'mini_centre'],
      privatePlacesByQueue: false,
      // R10.2: Astana's operator confirms the benefit while the referral is issued
      benefitConfirmation: 'before_referral',
    },
    contacts: { support: '466 756', email: 'akimat.itfactory@gmail.com', hours: 'пн–пт 9:00–18:30' },
  },
  {
    code: 'karaganda',
    name_ru: 'Карагандинская область',
    name_kk: 'Қарағанды облысы',
    settings: {
      ...DEFAULT_RULE_SETTINGS,
      numberPrefix: '35',
      choiceWindowMode: 'working',
      choiceWindowWorkingDays: 3,
      kindsOnOffer: ['state', 'village', 'private'],
      privatePlacesByQueue: true,
    },
    // demo values: the seeds give no Karaganda contacts
    contacts: { phone: '+7 7212 00 00 00', email: 'support@karaganda.example.kz', hours: 'пн–пт 9:00–18:00' },
  },
];

const KINDERGARTENS = [
  { region_code: 'almaty', name_ru: 'Ясли-сад № 1 «Балапан»', name_kk: '№ 1 «Балапан» бөбекжай-бақшасы', kind: 'state', address: 'г. Алматы, ул. Абая, 10', phone: '+7 727 000 0001', languages: ['kk', 'ru'] },
  { region_code: 'almaty', name_ru: 'Коррекционный ясли-сад № 7', name_kk: '№ 7 түзету бөбекжай-бақшасы', kind: 'correctional', address: 'г. Алматы, ул. Сатпаева, 22', phone: '+7 727 000 0007', languages: ['ru'] },
  { region_code: 'astana', name_ru: 'Ясли-сад «Ақбота»', name_kk: '«Ақбота» бөбекжай-бақшасы', kind: 'state', address: 'г. Астана, пр. Республики, 5', phone: '+7 7172 00 00 05', languages: ['kk'] },
  { region_code: 'astana', name_ru: 'Частный детский сад «Күншуақ»', name_kk: '«Күншуақ» жеке балабақшасы', kind: 'private', address: 'г. Астана, ул. Кенесары, 12', phone: '+7 7172 00 00 12', languages: ['kk', 'ru'] },
  { region_code: 'astana', name_ru: 'Мини-центр «Балдырған»', name_kk: '«Балдырған» шағын орталығы', kind: 'mini_centre', address: 'г. Астана, ул. Бейбітшілік, 8', phone: null, languages: ['kk'] },
  { region_code: 'karaganda', name_ru: 'Мини-центр «Айгөлек»', name_kk: '«Айгөлек» шағын орталығы', kind: 'mini_centre', address: 'с. Топар, ул. Школьная, 3', phone: null, languages: ['kk', 'ru'] },
  { region_code: 'karaganda', name_ru: 'Сельский детский сад «Ботақан»', name_kk: '«Ботақан» ауылдық балабақшасы', kind: 'village', address: 'с. Ботакара, ул. Центральная, 1', phone: null, languages: ['kk'] },
  { region_code: 'karaganda', name_ru: 'Частный детский сад «Нұрлы»', name_kk: '«Нұрлы» жеке балабақшасы', kind: 'private', address: 'г. Караганда, пр. Бухар-Жырау, 40', phone: '+7 7212 00 00 40', languages: ['ru'] },
];

/** Demo families: a parent and a child each; the IINs are valid and stable across runs. */
export const DEMO_FAMILIES = [
  { parent: { last_name: 'Тулеубаева', first_name: 'Айгерим', birth_date: '1992-04-17', sex: 'female' as const, serial: 101 },
    child: { last_name: 'Мансурұлы', first_name: 'Алихан', birth_date: '2023-10-24', sex: 'male' as const, serial: 201 } },
  { parent: { last_name: 'Иванов', first_name: 'Сергей', birth_date: '1988-11-02', sex: 'male' as const, serial: 102 },
    child: { last_name: 'Иванова', first_name: 'Мария', birth_date: '2022-05-12', sex: 'female' as const, serial: 202 } },
  { parent: { last_name: 'Сәрсенбай', first_name: 'Дана', birth_date: '1995-01-30', sex: 'female' as const, serial: 103 },
    child: { last_name: 'Сәрсенбай', first_name: 'Әли', birth_date: '2024-02-29', sex: 'male' as const, serial: 203 } },
];

export function personRow(p: { last_name: string; first_name: string; birth_date: string; sex: 'male' | 'female'; serial: number }) {
  const { serial, ...rest } = p;
  return { iin: makeIin(p.birth_date, p.sex, serial), middle_name: null, ...rest };
}

/** Demo staff (R4 roles), each with their employer's BIN: a national operator, Almaty's operator, staff of Almaty's kindergarten № 1. */
export const DEMO_STAFF = [
  { person: { last_name: 'Операторова', first_name: 'Гульнара', birth_date: '1985-07-07', sex: 'female' as const, serial: 301 }, role: 'operator', region_code: null, kindergarten: null, organisation_bin: '990140000011' },
  { person: { last_name: 'Ахметов', first_name: 'Ерлан', birth_date: '1983-03-03', sex: 'male' as const, serial: 302 }, role: 'operator', region_code: 'almaty', kindergarten: null, organisation_bin: '990240000022' },
  { person: { last_name: 'Садыкова', first_name: 'Меруерт', birth_date: '1990-09-09', sex: 'female' as const, serial: 303 }, role: 'kindergarten_staff', region_code: 'almaty', kindergarten: KINDERGARTENS[0]!.name_ru, organisation_bin: '990340000033' },
  // R8.1: staff of Almaty's correctional kindergarten № 7, who add its places by category of need.
  { person: { last_name: 'Нурланова', first_name: 'Айжан', birth_date: '1987-06-06', sex: 'female' as const, serial: 305 }, role: 'kindergarten_staff', region_code: 'almaty', kindergarten: KINDERGARTENS[1]!.name_ru, organisation_bin: '990540000055' },
  // R8.3: a ПМПК specialist of an Almaty district; any ПМПК of the region may examine a child.
  { person: { last_name: 'Жумабекова', first_name: 'Сауле', birth_date: '1979-12-12', sex: 'female' as const, serial: 304 }, role: 'pmpk_staff', region_code: 'almaty', kindergarten: null, organisation_bin: '990440000044', district: 'Бостандыкский район' },
];

/** Idempotent: a second run changes nothing. */
export async function seedDevelopment(db: Db): Promise<void> {
  await db('regions')
    .insert(DEMO_REGIONS.map((r) => ({ ...r, settings: JSON.stringify(r.settings), contacts: JSON.stringify(r.contacts) })))
    .onConflict('code')
    .ignore();
  // Each demo kindergarten once, by name: a second run (or one after new ones were added) adds only what is missing.
  const present = new Set(await db('kindergartens').whereIn('name_ru', KINDERGARTENS.map((k) => k.name_ru)).pluck('name_ru'));
  const missing = KINDERGARTENS.filter((k) => !present.has(k.name_ru));
  if (missing.length) await db('kindergartens').insert(missing);
  for (const family of DEMO_FAMILIES) {
    const parent = personRow(family.parent);
    const child = personRow(family.child);
    await db('persons').insert([parent, child]).onConflict('iin').ignore();
    await db('person_parents').insert({ child_iin: child.iin, parent_iin: parent.iin }).onConflict().ignore();
  }
  for (const member of DEMO_STAFF) {
    const person = personRow(member.person);
    await db('persons').insert(person).onConflict('iin').ignore();
    const kindergarten = member.kindergarten ? await db('kindergartens').where({ name_ru: member.kindergarten }).first('id') : null;
    const district = 'district' in member ? member.district : null;
    const row = { region_code: member.region_code, kindergarten_id: kindergarten?.id ?? null, organisation_bin: member.organisation_bin, district };
    const exists = await db('staff').where({ iin: person.iin, role: member.role }).first('id');
    if (exists) await db('staff').where({ id: exists.id }).update({ organisation_bin: member.organisation_bin, district });
    else await db('staff').insert({ iin: person.iin, role: member.role, ...row });
  }
}
