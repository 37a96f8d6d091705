import { z } from 'zod';
import { printVerificationCode, readVerificationCode } from '../../contracts/documents';
import { documentInLanguage } from '../../activities/documents/records';
import { verifiedDocument } from '../../db/document-verification';
import { documentAnswerOf as asAnswer, documentsTab, documentTitle as title } from '../documents-tab';
import type { DocumentKind } from '../../domain/documents';
import type { Language } from '../../domain/queue';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { applicationParamsSchema } from '../schemas/applications';
import { documentParamsSchema, requestDocumentSchema, verificationParamsSchema } from '../schemas/documents';
import { documentAnswer, documentsAnswer, documentVerificationAnswer, pdfFile } from '../schemas/responses';
import { visibleCard } from './applications';
import { uploadFile } from '../schemas/uploads';
import { UPLOAD_MEDIA_TYPES, uploadStoreOf, type UploadMediaType } from '../uploads';

/** How long to wait before asking again: until the next attempt when a render failed and waits, else a moment. */
const retryAfterSeconds = (nextAttemptAt: Date): number => Math.min(3600, Math.max(2, Math.ceil((nextAttemptAt.getTime() - Date.now()) / 1000)));

/** `attachment`, with an ASCII name for old clients and the printed title (RFC 6266, RFC 8187) for the rest. */
function disposition(kind: DocumentKind, language: Language, number: string): string {
  const printed = `${title(kind)[language]} ${number}.pdf`;
  return `attachment; filename="${kind}-${number}-${language}.pdf"; filename*=UTF-8''${encodeURIComponent(printed)}`;
}

const D = '/api/v1/applications/:number/documents';

/**
 * R2.4, R5.1, R9.2, R3.3 (the documents tab): the documents issued with an application's events, as
 * PDFs made once and kept; the same document in the other language on request; and, for anyone, the
 * check of a document's code. Whoever may see the application (its applicant, a parent who attached
 * it) sees its documents; anyone else gets 404, as for the card (R3.2).
 */
export const DOCUMENT_ROUTES: AnyRoute[] = [
  route({
    operationId: 'listDocuments',
    method: 'get',
    path: D,
    role: 'applicant',
    summary: 'R3.3, R9.2: the application’s documents, in the order they were issued, each with its state',
    params: applicationParamsSchema,
    ok: {
      status: 200,
      schema: documentsAnswer,
      links: {
        getDocument: {
          operationId: 'getDocument',
          parameters: { number: '$response.body#/number', id: '$response.body#/documents/0/id' },
          description: 'The PDF of the document',
        },
        verifyDocument: {
          operationId: 'verifyDocument',
          parameters: { code: '$response.body#/documents/0/verificationCode' },
          description: 'What anyone learns from the document’s code',
        },
      },
    },
    async handle({ params, caller }, deps) {
      const { number } = await visibleCard(deps, params.number, caller);
      const { issued, attachments } = await documentsTab(deps.db, uploadStoreOf(deps), number);
      return { number, documents: issued, attachments };
    },
  }),
  route({
    operationId: 'getDocument',
    method: 'get',
    path: `${D}/:id`,
    role: 'applicant',
    summary: 'R9.2: the PDF, the same bytes at every download; 202 DOCUMENT_NOT_READY with Retry-After while it is being made',
    params: documentParamsSchema,
    ok: {
      status: 200,
      media: 'application/pdf',
      schema: pdfFile,
      headers: {
        'Content-Disposition': { description: 'attachment, named by the document’s printed title and the registration number', schema: z.string() },
        ETag: { description: 'The SHA-256 of the PDF, quoted', schema: z.string() },
      },
    },
    async handle({ ctx, params, caller }, deps) {
      const { number } = await visibleCard(deps, params.number, caller);
      const doc = await deps.db('documents').where({ id: params.id, application_number: number }).first('kind', 'language', 'state', 'content', 'sha256', 'next_attempt_at');
      if (!doc) throw new Problem('NOT_FOUND', `no document ${params.id} of ${number}`);
      if (doc.state === 'rendering') {
        const seconds = retryAfterSeconds(doc.next_attempt_at);
        ctx.set('Retry-After', String(seconds));
        throw new Problem('DOCUMENT_NOT_READY', `document ${params.id} is being made`, { retryAfterSeconds: seconds });
      }
      if (doc.state === 'failed') throw new Problem('DOCUMENT_FAILED', `document ${params.id} could not be made; ask for it again: POST ${D.replace(':number', number)} {"kind","language"}`);
      ctx.set('Content-Disposition', disposition(doc.kind, doc.language, number));
      ctx.set('ETag', `"${doc.sha256}"`);
      ctx.set('Cache-Control', 'private, no-store');
      return doc.content as Buffer;
    },
  }),
  route({
    operationId: 'getAttachment',
    method: 'get',
    path: '/api/v1/applications/:number/attachments/:id',
    role: 'applicant',
    summary: 'R2.3, R6.2: a benefit document attached to the application, the bytes as uploaded, with their media type',
    params: documentParamsSchema,
    ok: {
      status: 200,
      media: UPLOAD_MEDIA_TYPES,
      schema: uploadFile,
      headers: {
        'Content-Disposition': { description: 'attachment, named by the application and the upload', schema: z.string() },
        ETag: { description: 'The SHA-256 of the file, quoted: the one signed', schema: z.string() },
      },
    },
    async handle({ ctx, params, caller }, deps) {
      const { number } = await visibleCard(deps, params.number, caller);
      const file = await uploadStoreOf(deps).content(number, params.id);
      if (!file) throw new Problem('NOT_FOUND', `no attachment ${params.id} of ${number}`);
      const extension = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' }[file.mediaType as UploadMediaType] ?? 'bin';
      ctx.type = file.mediaType;
      ctx.set('Content-Disposition', `attachment; filename="attachment-${number}-${params.id}.${extension}"`);
      ctx.set('ETag', `"${file.sha256}"`);
      ctx.set('Cache-Control', 'private, no-store');
      return file.content;
    },
  }),
  route({
    operationId: 'requestDocument',
    method: 'post',
    path: D,
    role: 'applicant',
    summary: 'R9.2: the document of this kind in this language — made from the facts it was issued with, once — or the one there is; a failed one is made again',
    params: applicationParamsSchema,
    body: requestDocumentSchema,
    ok: { status: 200, schema: documentAnswer },
    async handle({ params, body, caller }, deps) {
      const { number } = await visibleCard(deps, params.number, caller);
      const record = await documentInLanguage(deps.db, number, body.kind, body.language);
      if (!record) throw new Problem('DOCUMENT_NOT_ISSUED', `no ${body.kind} was issued for ${number}`);
      return asAnswer(record);
    },
  }),
  route({
    operationId: 'verifyDocument',
    method: 'get',
    path: '/api/v1/public/documents/:code',
    role: 'anyone',
    limit: 'anonymous',
    summary: 'R9.2, R11: a document’s code confirms its kind, registration number, issue date and (a referral’s) kindergarten; nothing personal',
    params: verificationParamsSchema,
    ok: { status: 200, schema: documentVerificationAnswer },
    async handle({ params }, { db }) {
      const code = readVerificationCode(params.code);
      const doc = code === undefined ? undefined : await verifiedDocument(db, code);
      if (!code || !doc) throw new Problem('NOT_FOUND', `no document with the code ${params.code}`);
      return { verificationCode: printVerificationCode(code), title: title(doc.kind), ...doc };
    },
  }),
];
