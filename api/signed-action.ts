import type { Context } from 'koa';
import { z } from 'zod';
import type { Db } from '../db/connection';
import type { Session } from '../db/sessions';
import { recordSignedDocument } from '../db/signed-documents';
import type { AuthSettings } from './auth-settings';
import { audit } from './audit';
import { asProblem, Problem } from './problems';
import type { SignatureVerifier } from './signature/verifier';
import { SAFE_CHARACTER } from './schemas/common';
import { MAX_SIGNED_XML_CHARS, type Fields } from './signature/xml';
import { validate, validateBody, type FieldCodes } from './validate';

/** The request body of every signed action and of login (R1.1, R1.2). */
export const signedBodySchema = z
  .object({
    // The size is checked by the verifier (SIGNED_XML_TOO_LARGE); the document says it, and that it is XML text.
    signedXml: z
      .string()
      .min(1)
      .meta({
        maxLength: MAX_SIGNED_XML_CHARS,
        pattern: `^[ \\t\\r\\n]*<${SAFE_CHARACTER}*>[ \\t\\r\\n]*$`,
        // What a portal sends: the document NCALayer signed, whole (`npm run sign` makes one here).
        examples: [
          '<confirmInterest xmlns="urn:kz:kindergarten-queue:v1"><applicationNumber>75.UO.2026.000001.1</applicationNumber><nonce>9f2c4e0a7b1d3f56</nonce><signedAt>2026-11-24T09:00:00Z</signedAt><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">…</ds:Signature></confirmInterest>',
        ],
      }),
  })
  .strict();

/** Every action document carries these besides its own fields. */
const envelopeSchema = z.object({
  /** ≥ 64 random bits, chosen by the client, used once. */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'a nonce is 16–128 letters, digits, _ or -'),
  signedAt: z.iso.datetime({ offset: true }),
});

export interface SignedActionDeps {
  db: Db;
  verifier: SignatureVerifier;
  auth: AuthSettings;
}

export interface SignedActionSpec<T> {
  /** The document's root element: the action's name, as in the OpenAPI document. */
  action: string;
  /** The application the route acts on; absent for filing. */
  applicationNumber?: string;
  params: z.ZodType<T, any>;
  fieldCodes?: FieldCodes;
}

const mismatch = (detail: string) => new Problem('SIGNED_CONTENT_MISMATCH', detail);

export interface SignedAction<T> {
  params: T;
  documentId: number;
  nonce: string;
}

/**
 * R1.2: verifies a signed action, records it as evidence, then performs it with `perform`. The
 * signer must be the logged-in person, the document must be the action this route performs on this
 * application, fresh, and its nonce unused. Only what was signed is read. The audit log says
 * `signed_action` only once the action took effect; a refusal, at any step, is
 * `signed_action_refused` with its code.
 */
export async function performSignedAction<T, R>(
  deps: SignedActionDeps,
  ctx: Context,
  session: Session,
  spec: SignedActionSpec<T>,
  perform: (signed: SignedAction<T>) => Promise<R>,
): Promise<R> {
  const who = { iin: session.iin, action: spec.action, application: spec.applicationNumber ?? null };
  let documentId: number | undefined;
  try {
    const signed = await verifySignedAction(deps, session, spec, validateBody(ctx, signedBodySchema).signedXml);
    documentId = signed.documentId;
    const result = await perform(signed);
    audit('signed_action', { ...who, document: documentId });
    return result;
  } catch (err) {
    const refusal = asProblem(err);
    audit('signed_action_refused', { ...who, document: documentId ?? null, code: refusal?.code ?? 'INTERNAL' });
    throw err;
  }
}

async function verifySignedAction<T>(deps: SignedActionDeps, session: Session, spec: SignedActionSpec<T>, signedXml: string): Promise<SignedAction<T>> {
  const doc = await deps.verifier.verify(signedXml, 'sign');
  if (doc.signer.iin !== session.iin) throw new Problem('SIGNER_NOT_SESSION', 'the document was signed by someone other than the logged-in person');
  // Signed as logged in: applicants with an individual's certificate, staff with their employer's (R8.3).
  if (doc.signer.holder !== session.holder || doc.signer.organisationBin !== session.organisationBin) {
    throw new Problem(
      'FORBIDDEN',
      session.holder === 'individual' ? 'applicants sign with an individual’s certificate, not an employee’s' : 'staff sign with the employee’s certificate of the organisation they logged in with',
    );
  }
  if (doc.name !== spec.action) throw mismatch(`the signed document is a ${doc.name}, and this request is a ${spec.action}`);
  const { applicationNumber, nonce, signedAt, ...rest } = doc.fields as Fields & Record<'applicationNumber' | 'nonce' | 'signedAt', unknown>;
  if (applicationNumber !== spec.applicationNumber) {
    throw mismatch(spec.applicationNumber ? `the signed document is about ${String(applicationNumber)}, not ${spec.applicationNumber}` : 'a filing names no application number');
  }
  const envelope = envelopeSchema.safeParse({ nonce, signedAt });
  if (!envelope.success) throw new Problem('SIGNED_CONTENT_INVALID', 'the signed document needs a nonce (16–128 characters) and signedAt (an ISO instant)');
  const age = Date.now() - Date.parse(envelope.data.signedAt);
  if (age > deps.auth.signedActionMaxAgeMs || age < -deps.auth.clockSkewMs) {
    throw new Problem('SIGNED_DOCUMENT_EXPIRED', 'the document was signed too long ago (or in the future); sign it again');
  }
  const params = validate(spec.params, rest, spec.fieldCodes, 'document');
  const documentId = await recordSignedDocument(deps.db, {
    nonce: envelope.data.nonce,
    action: spec.action,
    applicationNumber: spec.applicationNumber ?? null,
    signer: doc.signer,
    xml: signedXml,
  });
  if (documentId === undefined) throw new Problem('NONCE_REPLAYED', 'this signed document has been used already; sign the action again');
  return { params, documentId, nonce: envelope.data.nonce };
}
