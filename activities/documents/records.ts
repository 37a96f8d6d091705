import { randomInt } from 'node:crypto';
import { VERIFICATION_ALPHABET, VERIFICATION_CODE_LENGTH } from '../../contracts/documents';
import type { Db } from '../../db/connection';
import { queueNumbers } from '../../db/queue-numbers';
import { DOCUMENT_TEMPLATE_VERSION, FILING_DOCUMENTS, REFERRAL_DOCUMENTS, type DocumentKind, type DocumentSnapshot, type DocumentState } from '../../domain/documents';
import { iso } from '../../domain/iso';
import type { Language } from '../../domain/queue';
import { ACTIVE_STATUSES, type ApplicationStatus } from '../../domain/statuses';
import { warn } from '../outbox';

/**
 * R2.4, R5.1, R9.2: the records of the documents a family holds. Each is created in the same
 * transaction as the event that issues it, with a snapshot of what it says (a later change never
 * rewrites a paper already issued); the dispatcher (./dispatch.ts) renders it once, and the bytes are
 * kept. One record per application, kind, language and referral: inserting again changes nothing.
 */

/** A new verification code: 20 characters of Crockford's base32, 100 random bits. */
export const newVerificationCode = (): string =>
  Array.from({ length: VERIFICATION_CODE_LENGTH }, () => VERIFICATION_ALPHABET[randomInt(VERIFICATION_ALPHABET.length)]).join('');

const nameIn = (language: Language) => (language === 'kk' ? 'name_kk' : 'name_ru');

/** The name the referral's kindergarten prints in the document's language. */
async function kindergartenName(db: Db, referralId: number | null, language: Language): Promise<string | undefined> {
  if (referralId === null) return undefined;
  const kindergarten = await db('referrals as f').join('kindergartens as k', 'k.id', 'f.kindergarten_id').where('f.id', referralId).first({ name: `k.${nameIn(language)}` });
  return kindergarten?.name as string | undefined;
}

/** The names a document prints in its language: the region's, and the referral's kindergarten's. */
async function localNames(db: Db, regionCode: string, referralId: number | null, language: Language) {
  const region = await db('regions').where({ code: regionCode }).first({ name: nameIn(language) });
  return { region: region.name as string, kindergarten: await kindergartenName(db, referralId, language) };
}

const person = (r: Record<string, any>, prefix: string) => ({
  iin: r[`${prefix}_iin`],
  lastName: r[`${prefix}_last_name`],
  firstName: r[`${prefix}_first_name`],
  middleName: r[`${prefix}_middle_name`] ?? null,
});

const textValues = (o: Record<string, unknown>): Record<string, string> => Object.fromEntries(Object.entries(o ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));

/** What a document of the application says now, in `language`; with the referral for child_card and referral. */
export async function documentSnapshot(db: Db, number: string, language: Language, referralId: number | null): Promise<DocumentSnapshot> {
  const a = await db('applications as a')
    .join('persons as c', 'c.iin', 'a.child_iin')
    .join('persons as p', 'p.iin', 'a.applicant_iin')
    .join('regions as r', 'r.code', 'a.region_code')
    .where('a.number', number)
    .first(
      'a.number', 'a.region_code', 'a.registered_at', 'a.queue_type', 'a.benefit_category', 'a.group_year', 'a.status', 'r.contacts',
      // The region's name with the rest: one read fewer inside the filing's transaction.
      `r.${nameIn(language)} as region_name`,
      'c.iin as child_iin', 'c.last_name as child_last_name', 'c.first_name as child_first_name', 'c.middle_name as child_middle_name', 'c.birth_date',
      'p.iin as applicant_iin', 'p.last_name as applicant_last_name', 'p.first_name as applicant_first_name', 'p.middle_name as applicant_middle_name',
    );
  if (!a) throw new Error(`no application ${number}`);
  const names = { region: a.region_name as string, kindergarten: await kindergartenName(db, referralId, language) };
  const queue = ACTIVE_STATUSES.includes(a.status as ApplicationStatus) ? await queueNumbers(db, number) : undefined;
  const snapshot: DocumentSnapshot = {
    number,
    registeredAt: iso(a.registered_at),
    region: { name: names.region, contacts: textValues(a.contacts) },
    queueType: a.queue_type,
    benefitCategory: a.benefit_category,
    groupYear: a.group_year,
    child: { ...person(a, 'child'), birthDate: a.birth_date },
    applicant: person(a, 'applicant'),
    queueNumber: queue?.inQueue ?? null,
    queueNumberInCategory: queue?.inCategory ?? null,
  };
  if (referralId !== null) {
    const f = await db('referrals as f')
      .join('kindergartens as k', 'k.id', 'f.kindergarten_id')
      .join('places as p', 'p.id', 'f.place_id')
      .where('f.id', referralId)
      .first('f.issued_at', 'f.deadline', 'p.group_year', 'k.address', 'k.phone');
    snapshot.referral = {
      kindergarten: { name: names.kindergarten!, address: f.address, phone: f.phone ?? null },
      groupYear: f.group_year,
      issuedAt: iso(f.issued_at),
      deadline: iso(f.deadline),
    };
  }
  return snapshot;
}

export interface Issue {
  number: string;
  kinds: readonly DocumentKind[];
  language: Language;
  /** The event's instant: what the paper says it was issued at. */
  issuedAt: number;
  referralId?: number | null;
  /** Given when the facts are already fixed (another language of a paper issued before). */
  snapshot?: DocumentSnapshot;
}

/** Creates the records of an event's documents, waiting to render; a repeat creates nothing. Returns how many were new. */
export async function issueDocuments(db: Db, issue: Issue): Promise<number> {
  const referralId = issue.referralId ?? null;
  const snapshot = JSON.stringify(issue.snapshot ?? (await documentSnapshot(db, issue.number, issue.language, referralId)));
  const rows = issue.kinds.map((kind) => ({
    application_number: issue.number,
    kind,
    language: issue.language,
    referral_id: referralId,
    template_version: DOCUMENT_TEMPLATE_VERSION,
    snapshot,
    verification_code: newVerificationCode(),
    issued_at: iso(issue.issuedAt),
  }));
  const inserted = await db('documents').insert(rows).onConflict().ignore().returning('id');
  return inserted.length;
}

/** R2.4: the three documents of a filing, in the application's language, issued at registration. */
export const issueFilingDocuments = (db: Db, number: string, language: Language, registeredAt: number): Promise<number> =>
  issueDocuments(db, { number, kinds: FILING_DOCUMENTS, language, issuedAt: registeredAt });

/** R5.1: the child's card and the referral, for the referral just issued (and at its instant), in the application's language. */
export async function issueReferralDocuments(db: Db, number: string): Promise<number> {
  const referral = await db('referrals as f')
    .join('applications as a', 'a.number', 'f.application_number')
    .where({ 'f.application_number': number, 'f.state': 'active' })
    .first('f.id', 'f.issued_at', 'a.language');
  // The lifecycle must go on: a referral missing here is a fault to look into, not a reason to stop it.
  if (!referral) {
    warn('a referral was issued with no active referral row: no documents', { number });
    return 0;
  }
  return issueDocuments(db, { number, kinds: REFERRAL_DOCUMENTS, language: referral.language, issuedAt: referral.issued_at.getTime(), referralId: Number(referral.id) });
}

/** A record as the documents tab lists it. */
export interface DocumentRecord {
  id: number;
  kind: DocumentKind;
  language: Language;
  state: DocumentState;
  issuedAt: string;
  renderedAt: string | null;
  sha256: string | null;
  verificationCode: string;
}

const RECORD_COLUMNS = ['id', 'kind', 'language', 'state', 'issued_at', 'rendered_at', 'sha256', 'verification_code'];
const asRecord = (r: Record<string, any>): DocumentRecord => ({
  id: Number(r.id),
  kind: r.kind,
  language: r.language,
  state: r.state,
  issuedAt: iso(r.issued_at),
  renderedAt: r.rendered_at ? iso(r.rendered_at) : null,
  sha256: r.sha256,
  verificationCode: r.verification_code,
});

/** R3.3: the application's documents, in the order they were issued. */
export async function listDocuments(db: Db, number: string): Promise<DocumentRecord[]> {
  return (await db('documents').where({ application_number: number }).orderBy([{ column: 'issued_at' }, { column: 'id' }]).select(RECORD_COLUMNS)).map(asRecord);
}

/**
 * R9.2: the application's `kind` in `language`, created from the latest record of that kind (its
 * facts as issued, the names read again in the other language) unless it exists; a failed one is
 * queued to render again. Undefined when no document of that kind was ever issued.
 */
export async function documentInLanguage(db: Db, number: string, kind: DocumentKind, language: Language): Promise<DocumentRecord | undefined> {
  // Records from before snapshots were kept (snapshot NULL) cannot be told again in another language.
  const source = await db('documents as d')
    .join('applications as a', 'a.number', 'd.application_number')
    .where({ 'd.application_number': number, 'd.kind': kind })
    .whereNotNull('d.snapshot')
    .orderBy([{ column: 'd.issued_at', order: 'desc' }, { column: 'd.id', order: 'desc' }])
    .first('d.referral_id', 'd.language', 'd.snapshot', 'd.issued_at', 'a.region_code');
  if (!source) return undefined;
  const referralId = source.referral_id === null ? null : Number(source.referral_id);
  const target = () => db('documents').where({ application_number: number, kind, language, referral_id: referralId });
  const existing = await target().first('id', 'state');
  if (existing?.state === 'failed') {
    await db('documents').where({ id: existing.id, state: 'failed' }).update({ state: 'rendering', attempts: 0, next_attempt_at: db.fn.now(), lease_until: null, claimed_by: null });
  }
  if (!existing) {
    const names = await localNames(db, source.region_code, referralId, language);
    const snapshot: DocumentSnapshot = { ...source.snapshot, region: { ...source.snapshot.region, name: names.region } };
    if (snapshot.referral) snapshot.referral = { ...snapshot.referral, kindergarten: { ...snapshot.referral.kindergarten, name: names.kindergarten! } };
    await issueDocuments(db, { number, kinds: [kind], language, issuedAt: source.issued_at.getTime(), referralId, snapshot });
  }
  return asRecord(await target().first(RECORD_COLUMNS));
}
