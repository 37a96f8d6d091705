import type { Knex } from 'knex';
import type { Db } from './connection';
import { iso, isoOrNull } from '../domain/iso';
import { ACTIVE_STATUSES, stopListLasting, type ApplicationStatus, type TransitionCause } from '../domain/statuses';
import type { QueueType } from '../domain/queue';
import { queueNumbersOf } from './queue-numbers';
import { needCategoryColumns, needCategoryOf } from './need-categories';
import { cardExamination } from './examinations';
import { keyColumns, pageOf, type Page } from './public-board';
import { openOffer } from './open-offer';

export async function findActiveApplication(db: Db, childIin: string, queueType: QueueType): Promise<string | undefined> {
  const row = await db('applications')
    .where({ child_iin: childIin, queue_type: queueType })
    .whereIn('status', ACTIVE_STATUSES)
    .first('number');
  return row?.number;
}


/** R3.2: the applicant who filed it, and parents who attached it to their IIN. */
function visibleTo(w: Knex.QueryBuilder, viewerIin: string): Knex.QueryBuilder {
  return w
    .where('a.applicant_iin', viewerIin)
    .orWhereExists((q) => q.from('application_viewers as v').whereRaw('v.application_number = a.number').andWhere('v.parent_iin', viewerIin));
}

/** R4.1: the queue numbers of those of `rows` still in a queue, read in one query; null for the others. */
async function queueNumbersIfActive(db: Db, rows: readonly { number: string; status: ApplicationStatus }[]) {
  const numbers = await queueNumbersOf(db, rows.filter((r) => ACTIVE_STATUSES.includes(r.status)).map((r) => r.number));
  return (number: string) => {
    const queue = numbers.get(number);
    return { queueNumber: queue?.inQueue ?? null, queueNumberInCategory: queue?.inCategory ?? null };
  };
}

/**
 * R3.1: a page of the journal — the viewer's own applications and those they attached (R3.2) —
 * newest first by registration (the number breaks ties), with every column the journal shows; the
 * queue numbers of the page's active rows in one read of the kept positions.
 */
export async function listApplications(db: Db, viewerIin: string, page: Page) {
  const found = await db('applications as a')
    .join('persons as c', 'c.iin', 'a.child_iin')
    .join('persons as p', 'p.iin', 'a.applicant_iin')
    .where((w) => visibleTo(w, viewerIin))
    .modify((q) => {
      if (page.after) q.whereRaw('(a.registered_at, a.number) < (?::timestamptz, ?)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'a.registered_at', order: 'desc' }, { column: 'a.number', order: 'desc' }])
    .limit(page.limit + 1)
    .select(
      'a.number', 'a.region_code', 'a.queue_type', 'a.child_iin', 'a.status', 'a.status_cause', 'a.registered_at', 'a.applicant_iin', 'a.benefit_category',
      'c.last_name as child_last_name', 'c.first_name as child_first_name', 'c.middle_name as child_middle_name', 'c.birth_date as child_birth_date',
      'p.last_name as applicant_last_name', 'p.first_name as applicant_first_name', 'p.middle_name as applicant_middle_name',
      ...keyColumns(db, 'a.registered_at', 'a.number'),
    );
  const { rows, next } = pageOf(found, page.limit);
  const queueOf = await queueNumbersIfActive(db, rows as { number: string; status: ApplicationStatus }[]);
  const applications = rows.map((r: Record<string, any>) => ({
      number: r.number as string,
      regionCode: r.region_code as string,
      queueType: r.queue_type as QueueType,
      childIin: r.child_iin as string,
      child: { iin: r.child_iin as string, lastName: r.child_last_name as string, firstName: r.child_first_name as string, middleName: r.child_middle_name as string | null, birthDate: r.child_birth_date as string },
      applicant: { iin: r.applicant_iin as string, lastName: r.applicant_last_name as string, firstName: r.applicant_first_name as string, middleName: r.applicant_middle_name as string | null },
      ...queueOf(r.number),
      status: r.status as ApplicationStatus,
      statusCause: r.status_cause as TransitionCause,
      benefitCategory: r.benefit_category,
      registeredAt: iso(r.registered_at),
      filedByMe: r.applicant_iin === viewerIin,
    }));
  return { applications, next };
}

/**
 * R3.2: attaches an application to a parent's IIN when it is the named child's. The caller checks
 * with the registry that the parent is the child's; false when there is no such application.
 */
export async function attachApplication(db: Db, number: string, childIin: string, parentIin: string): Promise<boolean> {
  const app = await db('applications').where({ number, child_iin: childIin }).first('number');
  if (!app) return false;
  await db('application_viewers').insert({ application_number: number, parent_iin: parentIin }).onConflict().ignore();
  return true;
}

/**
 * Who reads a card: an applicant sees their own and attached applications (R3.2); an operator the
 * applications of the region they keep (null: a national operator, every region).
 */
export type CardReader = { applicantIin: string } | { operatorRegion: string | null };

function readableBy(w: Knex.QueryBuilder, reader: CardReader): Knex.QueryBuilder {
  if ('applicantIin' in reader) return visibleTo(w, reader.applicantIin);
  return reader.operatorRegion === null ? w : w.where('a.region_code', reader.operatorRegion);
}

/**
 * R3.3: the application card's information and change history as its reader sees it, with its
 * open offer (R4.4); the API adds the documents tab and the words (api/card.ts). Undefined when
 * there is no such application or the reader may not see it (the caller cannot tell which).
 */
export async function getApplicationCard(db: Db, number: string, reader: CardReader) {
  const a = await db('applications as a')
    .join('persons as c', 'c.iin', 'a.child_iin')
    .join('persons as p', 'p.iin', 'a.applicant_iin')
    .join('regions as r', 'r.code', 'a.region_code')
    .leftJoin('need_categories as nc', 'nc.code', 'a.need_category')
    .where('a.number', number)
    .andWhere((w) => readableBy(w, reader))
    .first(
      'a.*',
      'c.last_name as child_last_name',
      'c.first_name as child_first_name',
      'c.middle_name as child_middle_name',
      'c.birth_date as child_birth_date',
      'p.last_name as applicant_last_name',
      'p.first_name as applicant_first_name',
      'p.middle_name as applicant_middle_name',
      'r.name_ru as region_name_ru',
      'r.name_kk as region_name_kk',
      ...needCategoryColumns('nc'),
    );
  if (!a) return undefined;
  const now = new Date();
  const status = a.status as ApplicationStatus;
  const cause = a.status_cause as TransitionCause;
  const stopListUntil = stopListLasting(a.stop_list_until, now);
  const events = await db('application_events').where({ application_number: number }).orderBy('seq');
  const referral = await db('referrals as r')
    .join('kindergartens as k', 'k.id', 'r.kindergarten_id')
    .where({ 'r.application_number': number, 'r.state': 'active' })
    .first('r.id as referral_id', 'r.place_id', 'r.issued_at', 'r.deadline', 'r.extension_days', 'k.id', 'k.name_ru', 'k.name_kk', 'k.address', 'k.phone');
  const examination = await cardExamination(db, number, a.examination_due_at, referral ? Number(referral.referral_id) : null);
  return {
    number: a.number,
    region: { code: a.region_code, nameRu: a.region_name_ru, nameKk: a.region_name_kk },
    queueType: a.queue_type,
    benefitCategory: a.benefit_category,
    needCategory: needCategoryOf(a), // R8.1
    groupYear: a.group_year,
    registeredAt: iso(a.registered_at),
    status,
    statusCause: cause,
    statusChangedAt: iso(a.status_changed_at),
    ...(await queueNumbersIfActive(db, [{ number, status }]))(number),
    deadlines: {
      reconfirmBy: isoOrNull(a.reconfirm_by),
      choiceWindowEndsAt: isoOrNull(a.offer_window_ends_at),
      referralDeadline: isoOrNull(a.referral_deadline),
      stopListUntil: isoOrNull(stopListUntil),
    },
    onStopList: stopListUntil !== null,
    expiredReferrals: a.expired_referrals, // R5.4
    offer: await openOffer(db, a, now),
    referral: referral
      ? {
          placeId: referral.place_id,
          issuedAt: iso(referral.issued_at),
          deadline: iso(referral.deadline),
          extensionDays: referral.extension_days,
          kindergarten: { id: referral.id, nameRu: referral.name_ru, nameKk: referral.name_kk, address: referral.address, phone: referral.phone },
        }
      : null,
    examination,
    language: a.language,
    child: {
      iin: a.child_iin,
      lastName: a.child_last_name,
      firstName: a.child_first_name,
      middleName: a.child_middle_name,
      birthDate: a.child_birth_date,
    },
    applicant: {
      iin: a.applicant_iin,
      lastName: a.applicant_last_name,
      firstName: a.applicant_first_name,
      middleName: a.applicant_middle_name,
    },
    contacts: { email: a.email, phone: a.phone, extraEmail: a.extra_email, extraPhone: a.extra_phone },
    history: events.map((e) => ({
      at: iso(e.at),
      from: e.from_status,
      to: e.to_status,
      cause: e.cause as TransitionCause,
      actor: e.actor === a.applicant_iin ? 'applicant' : e.actor,
      // R1.2: the signed document behind the change, kept as evidence.
      signedDocumentId: e.signed_document_id === null ? null : Number(e.signed_document_id),
    })),
  };
}

export type ApplicationCard = NonNullable<Awaited<ReturnType<typeof getApplicationCard>>>;
