import type { Db } from '../db/connection';
import { applicationsAffectedBy } from '../db/deadlines';
import type { CalendarChange } from '../contracts/activities';
import type { ApplicationFiling } from '../contracts/application';
import type { FilingRecord, FilingResult, Transition } from '../contracts/activities';
import { iso, isoOrNull } from '../domain/iso';
import { ACTIVE_STATUSES } from '../domain/statuses';
import { issueFilingDocuments, issueReferralDocuments } from './documents/records';
import { retractWaveRecord } from './offers';
import { appendEventEntries } from '../db/chain';


async function insertEvent(trx: Db, t: Transition): Promise<boolean> {
  const inserted = await trx('application_events')
    .insert({
      application_number: t.number,
      seq: t.seq,
      at: iso(t.at),
      from_status: t.from,
      to_status: t.to,
      cause: t.cause,
      actor: t.actor,
      details: JSON.stringify(t.details ?? {}),
      signed_document_id: t.signedDocumentId ?? null,
    })
    .onConflict(['application_number', 'seq'])
    .ignore()
    .returning('id');
  return inserted.length > 0;
}

/** The read-model row of a newly filed application (R2.4), queued since its registration. */
export function applicationRow(f: ApplicationFiling, reconfirmBy?: number) {
  return {
    number: f.number,
    region_code: f.regionCode,
    queue_type: f.queueType,
    child_iin: f.childIin,
    applicant_iin: f.applicantIin,
    benefit_category: f.benefitCategory,
    need_category: f.needCategory ?? null, // R8.1: correctional applications only
    group_year: f.groupYear,
    registered_at: iso(f.registeredAt),
    status: 'queued',
    status_changed_at: iso(f.registeredAt),
    status_cause: 'filed',
    language: f.language,
    email: f.contacts.email,
    phone: f.contacts.phone,
    extra_email: f.contacts.extraEmail ?? null,
    extra_phone: f.contacts.extraPhone ?? null,
    reconfirm_by: isoOrNull(reconfirmBy),
  };
}

export function createApplicationActivities({ db }: { db: Db }) {
  return {
    /**
     * R2.4: records the application, its first history event and its three documents (created once,
     * with the event). R2.5: a second active application for the same child and queue type is
     * refused by the database's partial unique index.
     */
    async recordFiling({ filing: f, reconfirmBy }: FilingRecord): Promise<FilingResult> {
      return db.transaction(async (trx) => {
        const inserted = await trx('applications')
          .insert(applicationRow(f, reconfirmBy))
          .onConflict()
          .ignore()
          .returning('number');
        if (inserted.length === 0) {
          const own = await trx('applications').where({ number: f.number }).first('number');
          if (!own) {
            const existing = await trx('applications')
              .where({ child_iin: f.childIin, queue_type: f.queueType })
              .whereIn('status', ACTIVE_STATUSES)
              .first('number');
            if (existing) return { outcome: 'duplicate', existingNumber: existing.number };
            throw new Error(`application ${f.number} was neither inserted nor found`);
          }
        }
        const recorded = await insertEvent(trx, {
          number: f.number,
          seq: 1,
          at: f.registeredAt,
          from: null,
          to: 'queued',
          cause: 'filed',
          actor: f.applicantIin,
          signedDocumentId: f.signedDocumentId,
        });
        if (recorded) await issueFilingDocuments(trx, f.number, f.language, f.registeredAt); // R2.4
        if (f.signedDocumentId !== undefined) {
          await trx('signed_documents').where({ id: f.signedDocumentId }).update({ application_number: f.number });
        }
        // R11.3: the filing's chain entry, last (db/chain.ts); a retry that wrote no event appends none.
        if (recorded) await appendEventEntries(trx, [{ number: f.number, seq: 1, at: f.registeredAt, cause: 'filed', actor: f.applicantIin }]);
        return { outcome: 'filed' };
      });
    },

    /** R5.3: registration numbers of active applications on a stop-list at `at`, in order after `after`. */
    async listApplicationsOnStopList({ after, limit, at }: { after: string; limit: number; at: number }): Promise<string[]> {
      const rows: { number: string }[] = await db('applications')
        .where('stop_list_until', '>', new Date(at))
        .whereIn('status', ACTIVE_STATUSES)
        .andWhere('number', '>', after)
        .orderBy('number')
        .limit(limit)
        .select('number');
      return rows.map((r) => r.number);
    },

    /** Registration numbers of the applications a calendar change may move, in order after `after`. */
    async listApplicationsAffectedByCalendarChange({ change, after, limit }: { change: CalendarChange; after: string; limit: number }): Promise<string[]> {
      return applicationsAffectedBy(db, change).andWhere('number', '>', after).orderBy('number').limit(limit).pluck('number');
    },

    /** R3.3: one history event and the read model, in one transaction; with a referral, its documents (R5.1). */
    async recordTransition(t: Transition): Promise<void> {
      await db.transaction(async (trx) => {
        // The row first, as an offer wave locks it (R4.4): the wave's bulk write and this one never interleave.
        await trx('applications').where({ number: t.number }).forUpdate().first('number');
        let withdrawn = false;
        if (!(await insertEvent(trx, t))) {
          // The seq is taken: by a retry of this write, committed — or by an offer a wave recorded in
          // bulk that the workflow has not taken up (R4.4). That offer is withdrawn, as the workflow
          // will refuse it, and this transition written in its place.
          if (!(await retractWaveRecord(trx, { number: t.number, seq: t.seq }))) return;
          withdrawn = true;
          if (!(await insertEvent(trx, t))) throw new Error(`event ${t.seq} of ${t.number} still taken after its wave's offer was withdrawn`);
        }
        const changes: Record<string, unknown> = {
          status: t.to,
          status_changed_at: iso(t.at),
          status_cause: t.cause,
        };
        const m = t.readModel ?? {};
        if (m.reconfirmBy !== undefined) changes.reconfirm_by = isoOrNull(m.reconfirmBy);
        if (m.offerWindowEndsAt !== undefined) changes.offer_window_ends_at = isoOrNull(m.offerWindowEndsAt);
        if (m.referralDeadline !== undefined) changes.referral_deadline = isoOrNull(m.referralDeadline);
        if (m.stopListUntil !== undefined) changes.stop_list_until = isoOrNull(m.stopListUntil);
        if (m.expiredReferrals !== undefined) changes.expired_referrals = m.expiredReferrals;
        if (m.benefitCategory !== undefined) changes.benefit_category = m.benefitCategory;
        if (m.examinationDueAt !== undefined) changes.examination_due_at = isoOrNull(m.examinationDueAt);
        if (m.needCategory !== undefined) changes.need_category = m.needCategory;
        await trx('applications').where({ number: t.number }).update(changes);
        if (m.referralDeadline != null) {
          await trx('referrals')
            .where({ application_number: t.number, state: 'active' })
            .update({
              deadline: iso(m.referralDeadline),
              ...(m.referralExtensionDays !== undefined ? { extension_days: m.referralExtensionDays } : {}),
            });
        }
        if (t.to === 'referral_issued' && t.cause === 'referral_issued') await issueReferralDocuments(trx, t.number);
        // R11.3: the event's chain entries, the transaction's last write (db/chain.ts).
        // A wave's offer withdrawn to make room for this event (R4.4) is chained first.
        await appendEventEntries(trx, [
          ...(withdrawn ? [{ number: t.number, seq: t.seq, at: t.at, cause: 'offer_withdrawn' as const, actor: 'system' }] : []),
          { ...t, startsStopList: m.stopListUntil != null, place: t.cause === 'referral_issued' ? ((t.details?.placeId as number | undefined) ?? null) : null },
        ]);
      });
    },
  };
}
