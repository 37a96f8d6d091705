import { placeInvariantViolations } from '../../db/invariants';
import { scheduleId } from '../../contracts/offer';
import { sendBenefitConfirmation } from '../benefit-confirmation';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { applicationParamsSchema } from '../schemas/applications';
import { benefitConfirmedAnswer, invariantsAnswer, runAnswer } from '../schemas/responses';
import { confirmBenefitSchema, dailyRunSchema } from '../schemas/staff';
import { operatorKeeps } from '../staff';

/** Operators: run the daily publication or offer now, and check the seat invariant. Role: operator. */
export const ADMIN_ROUTES: AnyRoute[] = [
  route({
    operationId: 'triggerDailyRun',
    method: 'post',
    path: '/api/v1/admin/runs',
    role: 'operator',
    summary: 'Run the region’s publication or offer now; the run shows in the Web UI beside the scheduled ones',
    body: dailyRunSchema,
    ok: { status: 202, schema: runAnswer },
    async handle({ caller: operator, body: { run, regionCode } }, { temporal }) {
      if (!operatorKeeps(operator, regionCode)) throw new Problem('FORBIDDEN', 'runs of this region are another operator’s');
      const id = scheduleId(run, regionCode);
      try {
        await temporal.schedule.getHandle(id).trigger();
      } catch (err) {
        if ((err as Error).name === 'ScheduleNotFoundError') throw new Problem('NOT_FOUND', `no schedule ${id}`);
        throw err;
      }
      return { scheduleId: id, triggered: true as const };
    },
  }),
  route({
    operationId: 'confirmBenefitBeforeRegistration',
    method: 'post',
    path: '/api/v1/admin/applications/:number/confirm-benefit',
    role: 'operator',
    summary:
      'R10.2, R5.7: where the region’s operator confirms benefits, the operator records the benefit document’s issue date and accepts or rejects it while the referral is issued; a rejection annuls it with a stop-list; 404 for another region’s application',
    params: applicationParamsSchema,
    signed: { action: 'confirmBenefitBeforeRegistration', fields: confirmBenefitSchema, namesApplication: true, example: { accepted: 'false', documentIssuedOn: '2026-11-20' } },
    ok: { status: 200, schema: benefitConfirmedAnswer },
    async handle({ params, caller: operator, signed }, { db, temporal }) {
      // Another region's application answers exactly as a missing one.
      const app = await db('applications').where({ number: params.number }).first('number', 'region_code');
      if (!app || !operatorKeeps(operator, app.region_code)) throw new Problem('NOT_FOUND', `no application ${params.number} in your region`);
      return signed((doc) => sendBenefitConfirmation(temporal, app.number, operator.iin, doc), app.number);
    },
  }),
  route({
    operationId: 'checkInvariants',
    method: 'get',
    path: '/api/v1/admin/invariants',
    role: 'operator',
    summary: 'R4.8: the seat invariant',
    ok: { status: 200, schema: invariantsAnswer },
    async handle(_input, { db }) {
      const violations = await placeInvariantViolations(db);
      return { ok: violations.length === 0, placeViolations: violations };
    },
  }),
];
