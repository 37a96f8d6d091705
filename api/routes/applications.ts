import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { getApplicationCard } from '../../db/queries/applications';
import { applicationWorkflowId, confirmInterestUpdate } from '../../workflows/application.messages';
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

/** Applicant routes: file an application, read its card, confirm interest. Role: applicant. */
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

  // R6.1
  router.post('/:number/confirm-interest', async (ctx) => {
    const card = await ownCard(deps, ctx);
    const requestId = idempotencyKey(ctx);
    await deps.temporal.workflow
      .getHandle(applicationWorkflowId(card.number))
      .executeUpdate(confirmInterestUpdate, { args: [{ requestId, actorIin: card.applicant.iin }], updateId: requestId });
    ctx.body = await ownCard(deps, ctx);
  });

  return router;
}
