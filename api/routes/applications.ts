import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import { attachApplication, listApplications } from '../../db/applications';
import { readCard } from '../card';
import {
  applicationWorkflowId,
  changeBenefitCategoryUpdate,
  changeNeedCategoryUpdate,
  chooseKindergartenUpdate,
  confirmInterestUpdate,
  extendReferralUpdate,
  leaveQueueUpdate,
  withdrawReferralUpdate,
  type ActionRequest,
  type ApplicationState,
} from '../../contracts/application';
import type { Session } from '../../db/sessions';
import type { Db } from '../../db/connection';
import type { UploadStore } from '../../db/uploads';
import { fileApplication } from '../filing';
import { checkNeedCategoryExists } from '../need-categories';
import { withStatusWords } from '../labels';
import { Problem } from '../problems';
import { route, type AnyRoute, type RouteLink } from '../route';
import {
  attachApplicationSchema,
  changeBenefitCategorySchema,
  changeNeedCategorySchema,
  changeLanguageSchema,
  chooseKindergartenSchema,
  extendReferralSchema,
  noParamsSchema,
} from '../schemas/actions';
import { FILE_APPLICATION_FIELD_CODES, applicationParamsSchema, fileApplicationSchema, signedDocumentParamsSchema } from '../schemas/applications';
import { journalQuerySchema } from '../schemas/journal';
import { applicationCard, applicationListAnswer, text } from '../schemas/responses';
import { nextPage, pageHeaders } from './public';
import { BENEFIT_DOCUMENTS_EXAMPLE } from '../schemas/uploads';
import type { AppDeps } from '../app';
import { uploadStoreOf, withBenefitDocuments } from '../uploads';

/** R3.2: another person's application answers exactly as one that does not exist. */
export async function visibleCard(deps: { db: Db; uploads?: UploadStore }, number: string, session: Session) {
  const card = await readCard(deps, number, { applicantIin: session.iin });
  if (!card) throw new Problem('NOT_FOUND', `no application ${number}`);
  return card;
}

const A = '/api/v1/applications/:number';

/** Where a card's number leads: the card itself and every action on it. */
function cardLinks(pointer: string): Record<string, RouteLink> {
  const link = (operationId: string, description: string): RouteLink => ({ operationId, parameters: { number: `$response.body#${pointer}` }, description });
  return {
    getApplication: link('getApplication', 'The card of this application'),
    confirmInterest: link('confirmInterest', 'R6.1'),
    chooseKindergarten: link('chooseKindergarten', 'R4.6, R5.1'),
    extendReferral: link('extendReferral', 'R5.5'),
    withdrawReferral: link('withdrawReferral', 'R5.6'),
    leaveQueue: link('leaveQueue', 'R6.2'),
    changeBenefitCategory: link('changeBenefitCategory', 'R6.2'),
    changeNeedCategory: link('changeNeedCategory', 'R8.1'),
    lookupApplication: link('lookupApplication', 'R11.2: what anyone sees of it'),
  };
}

/** Wraps an action's update: what the API does before and after it (R6.2's documents). */
type Around<P> = (params: P, on: { iin: string; number: string; deps: AppDeps }, perform: () => Promise<ApplicationState>) => Promise<ApplicationState>;

/** R6.2: a new benefit category comes with its documents, attached to the application once the change took effect. */
const withCategoryDocuments: Around<z.infer<typeof changeBenefitCategorySchema>> = (p, { iin, number, deps }, perform) =>
  withBenefitDocuments(uploadStoreOf(deps), iin, p.benefitCategory, p.benefitDocuments, perform, () => number);

/**
 * Every action goes to the workflow as an update, named by the signed document's nonce (nonces are
 * unique per signer, so the signer names the update too); the answer is the card as it now stands,
 * or a problem naming why nothing changed. `check` refuses what only the server can know (a code
 * the list lacks) before the workflow is asked.
 */
function action<F extends z.ZodType>(
  operationId: string,
  path: string,
  summary: string,
  fields: F,
  example: Record<string, unknown>,
  update: UpdateDefinition<ApplicationState, [any], string>,
  check?: (params: z.infer<F>, deps: { db: Db }) => Promise<void>,
  around?: Around<z.infer<F>>,
) {
  return route({
    operationId,
    method: 'post',
    path: `${A}/${path}`,
    role: 'applicant',
    summary,
    params: applicationParamsSchema,
    signed: { action: operationId, fields, namesApplication: true, example },
    ok: { status: 200, schema: applicationCard },
    async handle({ params, caller, signed }, deps) {
      const card = await visibleCard(deps, params.number, caller);
      await signed(async (doc) => {
        await check?.(doc.params as z.infer<F>, deps);
        const requestId = `${caller.iin}:${doc.nonce}`;
        // The documents stay with the API (api/uploads.ts); the workflow gets the action's own fields.
        const { benefitDocuments: _documents, ...fields } = doc.params as Record<string, unknown>;
        const request = { ...fields, requestId, actorIin: caller.iin, signedDocumentId: doc.documentId } satisfies ActionRequest;
        const perform = () => deps.temporal.workflow.getHandle(applicationWorkflowId(card.number)).executeUpdate(update, { args: [request], updateId: requestId });
        return around ? around(doc.params as z.infer<F>, { iin: caller.iin, number: card.number, deps }, perform) : perform();
      }, card.number);
      return visibleCard(deps, card.number, caller);
    },
  });
}

/**
 * Applicant routes: file an application, list, read and attach applications, act on them. Role:
 * applicant (an individual's certificate); an application is theirs if they filed it or attached
 * it as the child's parent (R3.2). Every action is a signed document (R1.2).
 */
export const APPLICATION_ROUTES: AnyRoute[] = [
  route({
    operationId: 'fileApplication',
    method: 'post',
    path: '/api/v1/applications',
    role: 'applicant',
    summary: 'R2: file an application; 201 with the card',
    signed: {
      action: 'fileApplication',
      fields: fileApplicationSchema,
      fieldCodes: FILE_APPLICATION_FIELD_CODES,
      namesApplication: false,
      example: { regionCode: 'almaty', queueType: 'general', childIin: '231024502016', benefitCategory: 'none', language: 'ru', contacts: { email: 'a@example.kz', phone: '+77010000001' } },
    },
    ok: {
      status: 201,
      schema: applicationCard,
      headers: { Location: { description: 'The card’s URL', schema: z.string() } },
      links: cardLinks('/number'),
    },
    async handle({ ctx, caller, signed }, deps) {
      // R2.3: the benefit documents are claimed before the filing and attached to it after (api/uploads.ts).
      const state = await signed(({ params, documentId }) =>
        withBenefitDocuments(uploadStoreOf(deps), caller.iin, params.benefitCategory, params.benefitDocuments, () => fileApplication(deps, caller.iin, params, documentId), (s) => s.number),
      );
      ctx.set('Location', `/api/v1/applications/${encodeURIComponent(state.number)}`);
      return visibleCard(deps, state.number, caller);
    },
  }),
  route({
    operationId: 'listApplications',
    method: 'get',
    path: '/api/v1/applications',
    role: 'applicant',
    summary: 'R3.1, R3.2: the journal — the applications the person filed or attached, newest first, a page at a time',
    query: journalQuerySchema,
    ok: { status: 200, schema: applicationListAnswer, headers: pageHeaders, links: cardLinks('/applications/0/number') },
    async handle({ ctx, caller, query: { limit, cursor } }, deps) {
      const { applications, next } = await listApplications(deps.db, caller.iin, { limit, after: cursor });
      return { applications: applications.map(withStatusWords), next: nextPage(ctx, next) };
    },
  }),
  route({
    operationId: 'getApplication',
    method: 'get',
    path: A,
    role: 'applicant',
    summary: 'R3.3: the card; 404 for another person’s application',
    params: applicationParamsSchema,
    ok: { status: 200, schema: applicationCard },
    handle: ({ params, caller }, deps) => visibleCard(deps, params.number, caller),
  }),
  route({
    operationId: 'getSignedDocument',
    method: 'get',
    path: `${A}/signed-documents/:id`,
    role: 'applicant',
    summary: 'R1.2: the signed document behind a history entry, as it was received',
    params: signedDocumentParamsSchema,
    ok: { status: 200, media: 'application/xml', schema: text },
    async handle({ params, caller }, deps) {
      const card = await visibleCard(deps, params.number, caller);
      const doc = await deps.db('signed_documents').where({ id: params.id, application_number: card.number }).first('xml');
      if (!doc) throw new Problem('NOT_FOUND', `no signed document ${params.id} for ${card.number}`);
      return doc.xml as string;
    },
  }),
  route({
    operationId: 'attachApplication',
    method: 'post',
    path: `${A}/attach`,
    role: 'applicant',
    summary: 'R3.2: attach a child’s application to the parent’s IIN; only a parent the registry lists, and only with the child’s IIN',
    params: applicationParamsSchema,
    body: attachApplicationSchema,
    ok: { status: 200, schema: applicationCard },
    async handle({ params, body, caller }, deps) {
      const attached = (await deps.registry.isParentOf(caller.iin, body.childIin)) && (await attachApplication(deps.db, params.number, body.childIin, caller.iin));
      if (!attached) throw new Problem('NOT_FOUND', `no application ${params.number} of a child of yours with this IIN`);
      return visibleCard(deps, params.number, caller);
    },
  }),
  action('confirmInterest', 'confirm-interest', 'R6.1', noParamsSchema, {}, confirmInterestUpdate),
  action('chooseKindergarten', 'choose-kindergarten', 'R4.6, R5.1', chooseKindergartenSchema, { placeId: 12 }, chooseKindergartenUpdate),
  action('extendReferral', 'extend-referral', 'R5.5', extendReferralSchema, { days: 10 }, extendReferralUpdate),
  action('withdrawReferral', 'withdraw-referral', 'R5.6', noParamsSchema, {}, withdrawReferralUpdate),
  action('leaveQueue', 'leave-queue', 'R6.2', noParamsSchema, {}, leaveQueueUpdate),
  action('changeBenefitCategory', 'change-benefit-category', 'R6.2: with the uploaded documents of the new category (required unless it is none)', changeBenefitCategorySchema,
    { benefitCategory: 'first_priority', benefitDocuments: BENEFIT_DOCUMENTS_EXAMPLE }, changeBenefitCategoryUpdate, undefined, withCategoryDocuments),
  action('changeNeedCategory', 'change-need-category', 'R8.1: a correctional application’s category of need; not while a referral is issued', changeNeedCategorySchema, { needCategory: 'hearing' }, changeNeedCategoryUpdate,
    (p, deps) => checkNeedCategoryExists(deps.db, p.needCategory, { in: 'document' })),
  route({
    operationId: 'changeLanguage',
    method: 'post',
    path: `${A}/change-language`,
    role: 'applicant',
    summary: 'R9.1: the language (kk, ru) notices and documents are written in from now on; the kindergarten’s language of instruction is the place’s own',
    params: applicationParamsSchema,
    signed: { action: 'changeLanguage', fields: changeLanguageSchema, namesApplication: true, example: { language: 'kk' } },
    ok: { status: 200, schema: applicationCard },
    async handle({ params, caller, signed }, deps) {
      const card = await visibleCard(deps, params.number, caller);
      // Correspondence, like contacts, lives outside the lifecycle: the API keeps it (DESIGN.md).
      await signed(({ params: { language } }) => deps.db('applications').where({ number: card.number }).update({ language }), card.number);
      return visibleCard(deps, card.number, caller);
    },
  }),
];
