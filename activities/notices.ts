import type { NoticeRequest } from '../contracts/activities';
import type { Db } from '../db/connection';
import type { NoticeContent, NoticeKindergarten } from '../domain/notices';
import { regionContactsSchema } from '../domain/rule-settings';
import type { Language } from '../domain/queue';
import type { TransitionCause } from '../domain/statuses';

/** The kindergartens by ID, named in the notice's language. */
async function kindergartens(db: Db, ids: number[], language: Language): Promise<Map<number, NoticeKindergarten>> {
  if (ids.length === 0) return new Map();
  const rows = await db('kindergartens').whereIn('id', ids).select('id', 'name_ru', 'name_kk', 'address', 'phone');
  return new Map(rows.map((k) => [k.id as number, { name: language === 'kk' ? k.name_kk : k.name_ru, address: k.address, phone: k.phone }]));
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

type Described = Omit<NoticeContent, 'number' | 'childFirstName'>;

/** What a notice says beside the child's name, from its event data; the same for every notice with the same data and language. */
async function describe(db: Db, data: Record<string, unknown>, language: Language): Promise<Described> {
  const placeIds = Array.isArray(data.placeIds) ? (data.placeIds as number[]) : [];
  const offeredIds = placeIds.length ? (await db('places').whereIn('id', placeIds).distinct('kindergarten_id')).map((r) => r.kindergarten_id as number) : [];
  const kindergartenId = typeof data.kindergartenId === 'number' ? data.kindergartenId : undefined;
  const named = await kindergartens(db, [...offeredIds, ...(kindergartenId === undefined ? [] : [kindergartenId])], language);
  const content: Described = {};
  if (offeredIds.length) content.offered = offeredIds.map((id) => named.get(id)!).filter(Boolean);
  if (kindergartenId !== undefined && named.has(kindergartenId)) content.kindergarten = named.get(kindergartenId);
  const instants = {
    windowEndsAt: text(data.windowEndsAt),
    deadline: text(data.deadline),
    stopListUntil: text(data.stopListUntil),
    reconfirmBy: text(data.reconfirmBy),
    examinationDueAt: text(data.examinationDueAt),
  };
  for (const [key, value] of Object.entries(instants)) if (value !== undefined) content[key as keyof typeof instants] = value;
  if (typeof data.cause === 'string') content.cause = data.cause as TransitionCause;
  // R8.1: the event carries the category's code; the family reads its name.
  if (typeof data.needCategory === 'string') {
    const category = await db('need_categories').where({ code: data.needCategory }).first('name_ru', 'name_kk');
    content.needCategory = category ? (language === 'kk' ? category.name_kk : category.name_ru) : data.needCategory;
  }
  return content;
}

/** Whom an application's notices go to and in what words: what `recipientsOf` reads. */
export interface NoticeRecipient {
  number: string;
  email: string;
  phone: string;
  extra_email: string | null;
  extra_phone: string | null;
  language: Language;
  first_name: string;
  contacts: unknown;
}

/** The applications' contacts (R2.2), language of correspondence, child's first name and region's contacts. */
export const recipientsOf = (db: Db) =>
  db('applications as a')
    .join('persons as c', 'c.iin', 'a.child_iin')
    .join('regions as r', 'r.code', 'a.region_code')
    .select('a.number', 'a.email', 'a.phone', 'a.extra_email', 'a.extra_phone', 'a.language', 'c.first_name', 'r.contacts');

/**
 * R9.1: the outbox rows of one notice — one per contact of the application (R2.2), in its language
 * of correspondence — with what the notice says fixed now: the workflow's event data (instants, IDs)
 * and the names a family reads (the child's first name, the kindergartens in the notice's language).
 * `described` lets many notices of the same data (an offer wave's) look their names up once.
 */
export async function noticeRows(db: Db, req: NoticeRequest, app: NoticeRecipient, described = new Map<string, Promise<Described>>(), dataKey?: string) {
  // `dataKey`: a caller's shorter name for `req.data`, the same exactly when the data are.
  const memo = `${app.language}:${dataKey ?? JSON.stringify(req.data)}`;
  if (!described.has(memo)) described.set(memo, describe(db, req.data, app.language));
  const content: NoticeContent = { number: req.number, childFirstName: app.first_name, ...(await described.get(memo)!) };
  // R10: the region's contacts go in the notice's footer (keys or values the schema refuses are left out).
  const contacts = regionContactsSchema.strip().catch({}).parse(app.contacts ?? {});
  if (Object.keys(contacts).length) content.contacts = contacts as Record<string, string>;
  const recipients = [
    { channel: 'email', recipient: app.email },
    { channel: 'sms', recipient: app.phone },
    { channel: 'email', recipient: app.extra_email },
    { channel: 'sms', recipient: app.extra_phone },
  ].filter((r): r is { channel: string; recipient: string } => Boolean(r.recipient));
  return recipients.map((r) => ({
    idempotency_key: `${req.key}:${r.channel}:${r.recipient}`,
    application_number: req.number,
    kind: req.kind,
    channel: r.channel,
    recipient: r.recipient,
    language: app.language,
    payload: JSON.stringify(content),
  }));
}

export function createNoticeActivities({ db }: { db: Db }) {
  return {
    /**
     * R9.1: puts one outbox row per contact of the application (R2.2), in the application's
     * language of correspondence; the dispatcher delivers the outbox.
     */
    async enqueueNotice(req: NoticeRequest): Promise<number> {
      const app: NoticeRecipient | undefined = await recipientsOf(db).where({ 'a.number': req.number }).first();
      if (!app) throw new Error(`no application ${req.number}`);
      const rows = await noticeRows(db, req, app);
      const inserted = await db('notices').insert(rows).onConflict('idempotency_key').ignore().returning('id');
      return inserted.length;
    },
  };
}
