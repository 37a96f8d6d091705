import { randomInt } from 'node:crypto';
import { createChainActivities } from '../../activities/chain-heads';
import { serviceCredentials } from '../../activities/service-key';
import { appendPlaceEntries } from '../../db/chain';
import type { Db } from '../../db/connection';
import { addToMonth, almatyMonth, startOfAlmatyMonth } from '../../domain/turn-estimate';
import { CHAIN_REWRITE_SETTING } from '../../db/migrations/20261129200000-queue-chain';
import { buildFamily } from '../helpers/factories';
import { buildRegion } from '../helpers/lifecycle';

/** The README's worked example: seats published in each of the 12 months before this one, oldest first. */
export const WORKED_EXAMPLE_SEATS = [0, 4, 6, 0, 10, 8, 2, 0, 0, 14, 12, 4];
/** … and the application's number in its whole queue: 36 ahead of it. */
export const WORKED_EXAMPLE_QUEUE_NUMBER = 37;

export interface BoardRegionSeed {
  code: string;
  nameRu: string;
  nameKk: string;
  kindergartens: { id: number; nameRu: string; nameKk: string }[];
  /** Places published today, by the region's staff. */
  todayPlaceIds: number[];
}

/** A region of its own with two kindergartens and today's publication: three places, Kazakh and Russian. */
export async function seedBoardRegion(db: Db, groupYear: number): Promise<BoardRegionSeed> {
  const code = await buildRegion(db);
  const nameRu = 'Тестовая область';
  const nameKk = 'Сынақ облысы';
  await db('regions').where({ code }).update({ name_ru: nameRu, name_kk: nameKk });
  const kindergartens = [
    { name_ru: 'Ясли-сад «Арай»', name_kk: '«Арай» бөбекжай-бақшасы', kind: 'state', address: 'ул. Абая, 1' },
    { name_ru: 'Частный сад «Нұр»', name_kk: '«Нұр» жеке балабақшасы', kind: 'private', address: 'ул. Сатпаева, 2' },
  ];
  const ids: { id: number }[] = await db('kindergartens').insert(kindergartens.map((k) => ({ ...k, region_code: code }))).returning('id');
  const now = new Date();
  const rows = [
    { kindergarten_id: ids[0]!.id, group_year: groupYear, language: 'kk', total: 3, free: 3 },
    { kindergarten_id: ids[0]!.id, group_year: groupYear, language: 'ru', total: 2, free: 1 },
    { kindergarten_id: ids[1]!.id, group_year: groupYear + 1, language: 'ru', total: 1, free: 1 },
  ].map((r) => ({ ...r, place_type: 'general', released_on: '2027-01-15', added_at: now, published_at: now }));
  const placeIds: { id: number }[] = await db('places').insert(rows).returning('id');
  const todayPlaceIds = placeIds.map((p) => p.id);
  await db.transaction((trx) => appendPlaceEntries(trx, 'place_published', todayPlaceIds, now, 'system'));
  return {
    code,
    nameRu,
    nameKk,
    kindergartens: ids.map((k, i) => ({ id: k.id, nameRu: kindergartens[i]!.name_ru, nameKk: kindergartens[i]!.name_kk })),
    todayPlaceIds,
  };
}

/**
 * R11.2: the worked example's 12 months of publications before this one, for `groupYear`: each
 * month's seats as two places published on the 10th and 20th (one when odd), in the state kindergarten.
 * Their seats stay free: the estimate counts what was published, and a taken seat without its
 * referral would break the R4.8 invariant other test files check across the database.
 */
export async function seedPublicationYear(db: Db, kindergartenId: number, groupYear: number, now = Date.now()): Promise<void> {
  const current = almatyMonth(now);
  const rows = WORKED_EXAMPLE_SEATS.flatMap((seats, i) => {
    const start = startOfAlmatyMonth(addToMonth(current, i - 12));
    const at = (day: number) => new Date(start + (day - 1) * 86_400_000 + 13 * 3_600_000);
    const parts = seats === 0 ? [] : seats % 2 === 0 ? [[10, seats / 2], [20, seats / 2]] : [[10, seats]];
    return parts.map(([day, n]) => ({
      kindergarten_id: kindergartenId, group_year: groupYear, language: 'ru', place_type: 'general',
      total: n, free: n, released_on: '2026-01-01', added_at: at(day!), published_at: at(day!),
    }));
  });
  await db('places').insert(rows);
}

/** `count` queued general applications of `groupYear` registered before `before`, straight in the read model. */
export async function seedAhead(db: Db, regionCode: string, groupYear: number, count: number, before: number): Promise<string[]> {
  const { settings } = await db('regions').where({ code: regionCode }).first('settings');
  const numbers: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = await buildFamily(db, { childBirthDate: `${groupYear}-03-03` });
    const number = `${settings.numberPrefix}.UO.2025.${String(randomInt(100000, 1000000))}.1`;
    const at = new Date(before - (count - i) * 3_600_000);
    await db('applications').insert({
      number, region_code: regionCode, queue_type: 'general', child_iin: f.childIin, applicant_iin: f.parentIin, benefit_category: 'none',
      group_year: groupYear, registered_at: at, status: 'queued', status_changed_at: at, status_cause: 'filed',
      language: 'ru', email: 'a@example.kz', phone: '+77010000000',
    });
    numbers.push(number);
  }
  return numbers;
}

/** R11.1: a referral issued yesterday to `number` for `placeId`, with its queue number at issue. */
export async function seedReferral(db: Db, number: string, placeId: number, queueNumber: number): Promise<void> {
  const place = await db('places').where({ id: placeId }).first('kindergarten_id');
  const day = 86_400_000;
  await db('referrals').insert({
    application_number: number, place_id: placeId, kindergarten_id: place.kindergarten_id, issued_at: new Date(Date.now() - day),
    deadline: new Date(Date.now() + 5 * day), state: 'active', queue_number: queueNumber,
  });
  await db('applications').where({ number }).update({ status: 'referral_issued', status_changed_at: new Date(Date.now() - day), status_cause: 'referral_issued' });
}

/** R11.3: the service signs the region's head as it stands (the worker's publication activity, with the test PKI's service key). */
export async function signHead(db: Db, regionCode: string): Promise<{ seq: number; hash: string }> {
  const chain = createChainActivities({ db, credentials: () => serviceCredentials({ NODE_ENV: 'test', SERVICE_SIGNING_KEY: undefined, SERVICE_SIGNING_CERT: undefined }) });
  return chain.signChainHead({ regionCode, at: Date.now() });
}

/** Replaces a signed head's document behind the system's back, as a person with database access could; gives the one it replaced. */
export async function tamperWithHead(db: Db, regionCode: string, seq: number, edit: (signedXml: string) => string): Promise<string> {
  return db.transaction(async (trx) => {
    await trx.raw(`SET LOCAL ${CHAIN_REWRITE_SETTING} = 'on'`);
    const { signed_xml: before } = await trx('chain_signed_heads').where({ region_code: regionCode, seq }).first('signed_xml');
    await trx('chain_signed_heads').where({ region_code: regionCode, seq }).update({ signed_xml: edit(before) });
    return before as string;
  });
}

/** Edits one entry of the history behind the system's back, as a person with database access could. */
export async function tamperWithEntry(db: Db, regionCode: string, seq: number, changes: Record<string, unknown>): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`SET LOCAL ${CHAIN_REWRITE_SETTING} = 'on'`);
    const changed = await trx('chain_entries').where({ region_code: regionCode, seq }).update(changes);
    if (changed !== 1) throw new Error(`no entry ${seq} in ${regionCode}`);
  });
}
