import type { Db } from './connection';
import { needCategoryColumns, needCategoryOf } from './need-categories';
import { keyColumns, pageOf, type Page } from './public-board';
import { iso, isoOrNull } from '../domain/iso';
import type { ExaminationConclusion } from '../contracts/application';

/** R8.3: what ПМПК staff see and do: the region's correctional referrals awaiting examination, and the examinations recorded. */

/**
 * The correctional application a ПМПК of `regionCode` may examine: undefined for another region's
 * and for a general application, which the caller answers as it answers a missing one.
 */
export async function examinableApplication(db: Db, number: string, regionCode: string): Promise<{ number: string } | undefined> {
  return db('applications').where({ number, region_code: regionCode, queue_type: 'correctional' }).first('number');
}


/**
 * R8.3: a page of the region's correctional referrals still awaiting their ПМПК examination, the
 * nearest deadline first (the read model's `examination_due_at` is set only while one awaits).
 */
export async function awaitingExaminations(db: Db, regionCode: string, page: Page) {
  const found = await db('applications as a')
    .join('referrals as r', (j) => j.on('r.application_number', 'a.number').andOnVal('r.state', 'active'))
    .join('kindergartens as k', 'k.id', 'r.kindergarten_id')
    .leftJoin('need_categories as n', 'n.code', 'a.need_category')
    .where({ 'a.region_code': regionCode, 'a.queue_type': 'correctional', 'a.status': 'referral_issued' })
    .whereNotNull('a.examination_due_at')
    .modify((q) => {
      if (page.after) q.whereRaw('(a.examination_due_at, r.id) > (?::timestamptz, ?::bigint)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'a.examination_due_at', order: 'asc' }, { column: 'r.id', order: 'asc' }])
    .limit(page.limit + 1)
    .select(
      'a.number', 'a.group_year', 'a.need_category', ...needCategoryColumns('n'), 'a.examination_due_at', 'r.issued_at',
      'k.id as kindergarten_id', 'k.name_ru', 'k.name_kk', 'k.address',
      ...keyColumns(db, 'a.examination_due_at', 'r.id'),
    );
  const { rows, next } = pageOf(found, page.limit);
  const referrals = rows.map((r: Record<string, any>) => ({
    applicationNumber: r.number as string,
    groupYear: r.group_year as number,
    needCategory: needCategoryOf(r),
    kindergarten: { id: r.kindergarten_id as number, nameRu: r.name_ru as string, nameKk: r.name_kk as string, address: r.address as string },
    issuedAt: iso(r.issued_at),
    examinationDueAt: iso(r.examination_due_at),
  }));
  return { referrals, next };
}

/** R8.3: a page of the examinations one member of ПМПК staff recorded, newest first. */
export async function recordedExaminations(db: Db, examinerIin: string, page: Page) {
  const found = await db('examinations as e')
    .join('applications as a', 'a.number', 'e.application_number')
    .leftJoin('need_categories as b', 'b.code', 'e.need_category_before')
    .leftJoin('need_categories as f', 'f.code', 'e.need_category_after')
    .where('e.examiner_iin', examinerIin)
    .modify((q) => {
      if (page.after) q.whereRaw('(e.recorded_at, e.id) < (?::timestamptz, ?::bigint)', [page.after.at, page.after.id]);
    })
    .orderBy([{ column: 'e.recorded_at', order: 'desc' }, { column: 'e.id', order: 'desc' }])
    .limit(page.limit + 1)
    .select(
      'e.application_number', 'e.examined_at', 'e.district', 'e.conclusion', 'e.need_category_before', 'e.need_category_after', 'e.signed_document_id',
      'a.group_year', 'b.name_ru as before_ru', 'b.name_kk as before_kk', 'f.name_ru as after_ru', 'f.name_kk as after_kk',
      ...keyColumns(db, 'e.recorded_at', 'e.id'),
    );
  const { rows, next } = pageOf(found, page.limit);
  const examinations = rows.map((r: Record<string, any>) => ({
    applicationNumber: r.application_number as string,
    groupYear: r.group_year as number,
    examinedAt: iso(r.examined_at),
    district: r.district as string,
    conclusion: r.conclusion as ExaminationConclusion,
    needCategoryBefore: needCategoryOf({ need_category: r.need_category_before, need_category_ru: r.before_ru, need_category_kk: r.before_kk }),
    needCategoryAfter: needCategoryOf({ need_category: r.need_category_after, need_category_ru: r.after_ru, need_category_kk: r.after_kk }),
    signedDocumentId: r.signed_document_id === null ? null : Number(r.signed_document_id),
  }));
  return { examinations, next };
}

/**
 * R8.3: the card's ПМПК examination: the deadline while one awaits, and once recorded what it
 * concluded, which ПМПК (district) and when. The active referral's examination; with none active,
 * the application's last one. Null when the application never had one (general applications).
 */
export async function cardExamination(db: Db, number: string, dueAt: Date | null, activeReferralId: number | null) {
  const recorded = await db('examinations')
    .where({ application_number: number })
    .modify((q) => {
      if (activeReferralId !== null) q.where({ referral_id: activeReferralId });
    })
    .orderBy('id', 'desc')
    .first('examined_at', 'conclusion', 'district');
  if (!recorded && dueAt === null) return null;
  return {
    dueAt: isoOrNull(dueAt),
    examinedAt: recorded ? iso(recorded.examined_at) : null,
    conclusion: (recorded?.conclusion ?? null) as ExaminationConclusion | null,
    district: (recorded?.district ?? null) as string | null,
  };
}
