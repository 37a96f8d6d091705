import type { ExaminationRecord } from '../contracts/activities';
import type { Db } from '../db/connection';
import { iso } from '../domain/iso';

export function createExaminationActivities({ db }: { db: Db }) {
  return {
    /** R8.3: records the ПМПК examination of a referral, once: a retry (same referral) inserts nothing. */
    async recordExamination(req: ExaminationRecord): Promise<void> {
      await db('examinations')
        .insert({
          application_number: req.number,
          referral_id: req.referralId,
          examined_at: iso(req.examinedAt),
          district: req.district,
          examiner_iin: req.examinerIin,
          conclusion: req.conclusion,
          need_category_before: req.needCategoryBefore ?? null,
          need_category_after: req.needCategoryAfter ?? null,
          signed_document_id: req.signedDocumentId ?? null,
        })
        .onConflict('referral_id')
        .ignore();
    },
  };
}
