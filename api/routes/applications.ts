import Router from '@koa/router';
import type { Context } from 'koa';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { attachApplication, getApplicationCard, listApplications } from '../../db/applications';
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
} from '../../contracts/application';
import type { Session } from '../../db/sessions';
import type { AuthSettings } from '../auth-settings';
import { fileApplication, type FilingDeps } from '../filing';
import { withStatusLabel } from '../labels';
import { Problem } from '../problems';
import {
  attachApplicationSchema,
  changeBenefitCategorySchema,
  chooseKindergartenSchema,
  extendReferralSchema,
  noParamsSchema,
} from '../schemas/actions';
import { FILE_APPLICATION_FIELD_CODES, applicationParamsSchema, fileApplicationSchema, signedDocumentParamsSchema } from '../schemas/applications';
import { requireApplicant } from '../session';
import { performSignedAction } from '../signed-action';
import type { SignatureVerifier } from '../signature/verifier';
import { validateBody, validateParams } from '../validate';

type ApplicantUpdate<R extends ActionRequest> = UpdateDefinition<ApplicationState, [R], string>;

export interface ApplicationRouteDeps extends FilingDeps {
  verifier: SignatureVerifier;
  auth: AuthSettings;
}

/** R3.2: another person's application answers exactly as one that does not exist. */
async function visibleCard(deps: FilingDeps, number: string, session: Session) {
  const card = await getApplicationCard(deps.db, number, session.iin);
  if (!card) throw new Problem('NOT_FOUND', `no application ${number}`);
  return withStatusLabel(card);
}

const numberParam = (ctx: Context) => validateParams(ctx, applicationParamsSchema).number;

/**
 * Applicant routes: file an application, list, read and attach applications, act on them. Role:
 * applicant (an individual's certificate); an application is theirs if they filed it or attached
 * it as the child's parent (R3.2). Every action is a signed document (R1.2).
 */
export function applicationRoutes(deps: ApplicationRouteDeps): Router {
  const router = new Router({ prefix: '/api/v1/applications' });

  router.post('/', async (ctx) => {
    const session = requireApplicant(ctx);
    const spec = { action: 'fileApplication', params: fileApplicationSchema, fieldCodes: FILE_APPLICATION_FIELD_CODES };
    const state = await performSignedAction(deps, ctx, session, spec, ({ params, documentId }) => fileApplication(deps, session.iin, params, documentId));
    const card = await visibleCard(deps, state.number, session);
    ctx.status = 201;
    ctx.set('Location', `/api/v1/applications/${encodeURIComponent(state.number)}`);
    ctx.body = card;
  });

  router.get('/', async (ctx) => {
    const session = requireApplicant(ctx);
    ctx.body = { applications: (await listApplications(deps.db, session.iin)).map(withStatusLabel) };
  });

  router.get('/:number', async (ctx) => {
    ctx.body = await visibleCard(deps, numberParam(ctx), requireApplicant(ctx));
  });

  // R1.2: the signed document behind a history entry, as it was received.
  router.get('/:number/signed-documents/:id', async (ctx) => {
    const session = requireApplicant(ctx);
    const { number, id } = validateParams(ctx, signedDocumentParamsSchema);
    const card = await visibleCard(deps, number, session);
    const doc = await deps.db('signed_documents').where({ id, application_number: card.number }).first('xml');
    if (!doc) throw new Problem('NOT_FOUND', `no signed document ${id} for ${card.number}`);
    ctx.type = 'application/xml';
    ctx.body = doc.xml;
  });

  // R3.2: only a parent the registry lists for the child, and only with the child's IIN.
  router.post('/:number/attach', async (ctx) => {
    const session = requireApplicant(ctx);
    const number = numberParam(ctx);
    const { childIin } = validateBody(ctx, attachApplicationSchema);
    const attached = (await deps.registry.isParentOf(session.iin, childIin)) && (await attachApplication(deps.db, number, childIin, session.iin));
    if (!attached) throw new Problem('NOT_FOUND', `no application ${number} of a child of yours with this IIN`);
    ctx.body = await visibleCard(deps, number, session);
  });

  // Every action goes to the workflow as an update, named by the signed document's nonce; the
  // answer is the card as it now stands, or a problem naming why nothing changed.
  function action<R extends ActionRequest>(path: string, name: string, params: z.ZodType<Omit<R, keyof ActionRequest>, any>, update: ApplicantUpdate<R>): void {
    router.post(`/:number/${path}`, async (ctx) => {
      const session = requireApplicant(ctx);
      const card = await visibleCard(deps, numberParam(ctx), session);
      await performSignedAction(deps, ctx, session, { action: name, applicationNumber: card.number, params }, (signed) => {
        // Nonces are unique per signer, so the signer names the update too.
        const requestId = `${session.iin}:${signed.nonce}`;
        const request = { ...signed.params, requestId, actorIin: session.iin, signedDocumentId: signed.documentId } as R;
        return deps.temporal.workflow.getHandle(applicationWorkflowId(card.number)).executeUpdate(update, { args: [request], updateId: requestId });
      });
      ctx.body = await visibleCard(deps, card.number, session);
    });
  }
  action('confirm-interest', 'confirmInterest', noParamsSchema, confirmInterestUpdate); // R6.1
  action('choose-kindergarten', 'chooseKindergarten', chooseKindergartenSchema, chooseKindergartenUpdate); // R4.6, R5.1
  action('extend-referral', 'extendReferral', extendReferralSchema, extendReferralUpdate); // R5.5
  action('withdraw-referral', 'withdrawReferral', noParamsSchema, withdrawReferralUpdate); // R5.6
  action('leave-queue', 'leaveQueue', noParamsSchema, leaveQueueUpdate); // R6.2
  action('change-benefit-category', 'changeBenefitCategory', changeBenefitCategorySchema, changeBenefitCategoryUpdate); // R6.2

  return router;
}
