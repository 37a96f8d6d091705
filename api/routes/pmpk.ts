import { applicationWorkflowId, recordExaminationUpdate, type RecordExaminationRequest } from '../../contracts/application';
import { awaitingExaminations, examinableApplication, recordedExaminations } from '../../db/examinations';
import { withStatusLabel } from '../labels';
import { checkNeedCategoryExists } from '../need-categories';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { applicationParamsSchema } from '../schemas/applications';
import { pmpkPageSchema, recordExaminationSchema } from '../schemas/pmpk';
import { awaitingExaminationsAnswer, examinationRecordedAnswer, recordedExaminationsAnswer } from '../schemas/responses';
import { nextPage, pageHeaders } from './public';

/**
 * ПМПК staff (R8.3): their region's correctional referrals awaiting examination, and the
 * examination's record, a signed action (R1.2). Any ПМПК of the region may examine a child; the
 * district recorded is the staff member's own, never the request's. Role: pmpk_staff.
 */
export const PMPK_ROUTES: AnyRoute[] = [
  route({
    operationId: 'recordExamination',
    method: 'post',
    path: '/api/v1/pmpk/applications/:number/examination',
    role: 'pmpk_staff',
    summary: 'R8.3: the ПМПК examination of a correctional referral’s child and its conclusion; 404 for another region’s or a general application',
    params: applicationParamsSchema,
    signed: { action: 'recordExamination', fields: recordExaminationSchema, namesApplication: true, example: { conclusion: 'other_category', needCategory: 'speech' } },
    ok: { status: 200, schema: examinationRecordedAnswer },
    async handle({ params, caller: staff, signed }, { db, temporal }) {
      // Another region's application, or a general one, answers exactly as a missing one.
      const app = staff.regionCode === null ? undefined : await examinableApplication(db, params.number, staff.regionCode);
      if (!app) throw new Problem('NOT_FOUND', `no correctional application ${params.number} in your region`);
      if (!staff.district) throw new Problem('FORBIDDEN', 'your staff record names no ПМПК district; an operator adds it');
      const state = await signed(async ({ params: fields, nonce, documentId }) => {
        if (fields.needCategory !== undefined) await checkNeedCategoryExists(db, fields.needCategory, { in: 'document' });
        // Nonces are unique per signer, so the signer names the update too.
        const requestId = `${staff.iin}:${nonce}`;
        const request: RecordExaminationRequest = { ...fields, district: staff.district!, requestId, actorIin: staff.iin, signedDocumentId: documentId };
        return temporal.workflow.getHandle(applicationWorkflowId(app.number)).executeUpdate(recordExaminationUpdate, { args: [request], updateId: requestId });
      }, app.number);
      return withStatusLabel({
        applicationNumber: app.number,
        status: state.status,
        statusCause: state.statusCause,
        referralDeadline: state.deadlines.referralDeadline ?? null,
      });
    },
  }),
  route({
    operationId: 'listAwaitingExaminations',
    method: 'get',
    path: '/api/v1/pmpk/referrals',
    role: 'pmpk_staff',
    summary: 'R8.3: the region’s correctional referrals awaiting a ПМПК examination, nearest deadline first, a page at a time',
    query: pmpkPageSchema,
    ok: { status: 200, schema: awaitingExaminationsAnswer, headers: pageHeaders },
    async handle({ ctx, caller: staff, query: { limit, cursor } }, { db }) {
      if (staff.regionCode === null) return { referrals: [], next: null };
      const { referrals, next } = await awaitingExaminations(db, staff.regionCode, { limit, after: cursor });
      return { referrals, next: nextPage(ctx, next) };
    },
  }),
  route({
    operationId: 'listRecordedExaminations',
    method: 'get',
    path: '/api/v1/pmpk/examinations',
    role: 'pmpk_staff',
    summary: 'R8.3: the examinations this member of staff recorded, newest first, a page at a time',
    query: pmpkPageSchema,
    ok: { status: 200, schema: recordedExaminationsAnswer, headers: pageHeaders },
    async handle({ ctx, caller: staff, query: { limit, cursor } }, { db }) {
      const { examinations, next } = await recordedExaminations(db, staff.iin, { limit, after: cursor });
      return { examinations, next: nextPage(ctx, next) };
    },
  }),
];
