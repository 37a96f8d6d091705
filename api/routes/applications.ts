import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { getApplicationCard } from '../../db/queries/applications';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import {
  applicationWorkflowId,
  changeBenefitCategoryUpdate,
  chooseKindergartenUpdate,
  confirmInterestUpdate,
  extendReferralUpdate,
  leaveQueueUpdate,
  withdrawReferralUpdate,
  type ActionRequest,
  type ApplicationState,
} from '../../workflows/application.messages';
import { changeBenefitCategorySchema, chooseKindergartenSchema, extendReferralSchema, noBodySchema } from '../schemas/actions';
import { fileApplication, type FilingDeps } from '../filing';
import { requireIin } from '../identity';
import { Problem } from '../problems';
import {
  FILE_APPLICATION_FIELD_CODES,
  applicationNumberSchema,
  fileApplicationSchema,
  idempotencyKeySchema,
} from '../schemas/applications';
import { validate } from '../validate';

type ApplicantUpdate<R extends ActionRequest> = UpdateDefinition<ApplicationState, [R], string>;

async function ownCard(deps: FilingDeps, ctx: Context) {
  const number = validate(applicationNumberSchema, ctx.params.number);
  const card = await getApplicationCard(deps.db, number, requireIin(ctx));
  // R3.2: another person's application answers exactly as one that does not exist.
  if (!card) throw new Problem('NOT_FOUND', `no application ${number}`);
  return card;
}

function idempotencyKey(ctx: Context): string {
  const header = ctx.get('idempotency-key');
  if (!header) return randomUUID();
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) throw new Problem('IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key is 8–128 letters, digits or ._:-');
  return parsed.data;
}

/** Applicant routes: file an application, read its card, act on it. Role: applicant (the filer). */
export function applicationRoutes(deps: FilingDeps): Router {
  const router = new Router({ prefix: '/api/v1/applications' });

  router.post('/', async (ctx) => {
    const applicantIin = requireIin(ctx);
    const req = validate(fileApplicationSchema, ctx.request.body, FILE_APPLICATION_FIELD_CODES);
    const state = await fileApplication(deps, applicantIin, req);
    const card = await getApplicationCard(deps.db, state.number, applicantIin);
    ctx.status = 201;
    ctx.set('Location', `/api/v1/applications/${encodeURIComponent(state.number)}`);
    ctx.body = card;
  });

  router.get('/:number', async (ctx) => {
    ctx.body = await ownCard(deps, ctx);
  });

  // Every action a person takes goes to the workflow as an update; the answer is the card as it
  // now stands, or a problem naming why nothing changed.
  function action<R extends ActionRequest>(path: string, body: z.ZodType<Omit<R, keyof ActionRequest>>, update: ApplicantUpdate<R>): void {
    router.post(`/:number/${path}`, async (ctx) => {
      const card = await ownCard(deps, ctx);
      const params: Omit<R, keyof ActionRequest> = validate(body, ctx.request.body);
      const requestId = idempotencyKey(ctx);
      await deps.temporal.workflow
        .getHandle(applicationWorkflowId(card.number))
        .executeUpdate(update, { args: [{ ...params, requestId, actorIin: card.applicant.iin } as R], updateId: requestId });
      ctx.body = await ownCard(deps, ctx);
    });
  }
  action('confirm-interest', noBodySchema, confirmInterestUpdate); // R6.1
  action('choose-kindergarten', chooseKindergartenSchema, chooseKindergartenUpdate); // R4.6, R5.1
  action('extend-referral', extendReferralSchema, extendReferralUpdate); // R5.5
  action('withdraw-referral', noBodySchema, withdrawReferralUpdate); // R5.6
  action('leave-queue', noBodySchema, leaveQueueUpdate); // R6.2
  action('change-benefit-category', changeBenefitCategorySchema, changeBenefitCategoryUpdate); // R6.2

  return router;
}
