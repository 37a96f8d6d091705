import type { Context, Next } from 'koa';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { DOMAIN_ERRORS, isDomainError, type DomainError } from '../domain/errors';
import { audit } from './audit';
import { SIGNATURE_REFUSALS, SignatureRefusal } from './signature/errors';

/**
 * Every error a client can see, with its stable `code` and HTTP status. A response never carries a
 * stack trace; anything unexpected is kept for the request's log line and answered as INTERNAL.
 */
export const PROBLEMS = {
  VALIDATION_FAILED: 400,
  INVALID_IIN_FORMAT: 400,
  INVALID_IIN_CHECK_DIGIT: 400,
  INVALID_IIN_BIRTH_DATE: 400,
  CONTACT_REQUIRED: 400,
  INVALID_CONTACT: 400,
  CHILD_IIN_REQUIRED: 400,
  REGION_REQUIRED: 400,
  IDEMPOTENCY_KEY_INVALID: 400,
  UNKNOWN_REGION: 400,
  INVALID_GROUP_YEAR: 400,
  INVALID_RELEASE_DATE: 400,
  UNKNOWN_PLACE_TYPE: 400,
  MALFORMED_JSON: 400,
  BODY_REQUIRED: 400,
  INVALID_CHARACTERS: 400,
  METHOD_NOT_ALLOWED: 405,
  HEADERS_TOO_LARGE: 431,
  BAD_REQUEST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BODY_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  CHILD_NOT_IN_REGISTRY: 422,
  NOT_CHILDS_PARENT: 422,
  APPLICANT_NOT_IN_REGISTRY: 422,
  DUPLICATE_APPLICATION: 409,
  CHILD_ENROLLED: 409,
  APPLICATION_CLOSED: 409,
  ALREADY_CONFIRMED: 409,
  NOT_ELIGIBLE: 409,
  ON_STOP_LIST: 409,
  NO_OPEN_OFFER: 409,
  WINDOW_CLOSED: 409,
  PLACE_NOT_OFFERED: 409,
  PLACE_TAKEN: 409,
  NO_ACTIVE_REFERRAL: 409,
  EXTENSION_USED: 409,
  INVALID_EXTENSION: 400,
  WITHDRAWAL_WINDOW_PASSED: 409,
  WRONG_KINDERGARTEN: 409,
  NOTHING_TO_CHANGE: 409,
  NOT_IN_FREE_CHOICE: 409,
  // R4.7: a kind of kindergarten the region does not have on offer.
  KIND_NOT_OFFERED: 409,
  // R8.1: the category of need.
  NEED_CATEGORY_MISMATCH: 409,
  NEED_CATEGORY_NOT_APPLICABLE: 422,
  NEED_CATEGORY_REQUIRED: 400,
  UNKNOWN_NEED_CATEGORY: 400,
  NO_EXAMINATION_PENDING: 409,
  EXAMINATION_DEADLINE_PASSED: 409,
  INVALID_EXAMINATION: 400,
  EXAMINATION_PENDING: 409,
  // R5.7, R10.2: confirming a benefit referral's documents.
  BENEFIT_NOT_CONFIRMED: 409,
  NO_BENEFIT_TO_CONFIRM: 409,
  BENEFIT_CONFIRMED_BY_OTHER_ROLE: 403,
  INVALID_BENEFIT_DOCUMENT_DATE: 400,
  // Personal-data law: an operator's read of personal data says why (api/schemas/operators.ts).
  REASON_REQUIRED: 400,
  INVALID_REASON: 400,
  FORBIDDEN: 403,
  // R2.3, R6.2: benefit documents, uploaded first (api/uploads.ts), then named by the signed action.
  UPLOAD_TOO_LARGE: 413,
  UNSUPPORTED_UPLOAD_TYPE: 415,
  UPLOAD_MALFORMED: 400,
  UPLOAD_REJECTED: 422,
  TOO_MANY_UPLOADS: 409,
  UPLOAD_UNKNOWN: 422,
  UPLOAD_MISMATCH: 422,
  BENEFIT_DOCUMENTS_REQUIRED: 400,
  // R1: signed XML, certificates, login and signed actions.
  SIGNED_XML_TOO_LARGE: 413,
  XML_MALFORMED: 400,
  XML_DOCTYPE_FORBIDDEN: 400,
  XML_PROCESSING_INSTRUCTION_FORBIDDEN: 400,
  XML_COMMENT_FORBIDDEN: 400,
  SIGNATURE_MISSING: 400,
  SIGNATURE_WRAPPING: 400,
  SIGNATURE_ALGORITHM_NOT_ALLOWED: 400,
  GOST_NOT_SUPPORTED: 422,
  SIGNATURE_INVALID: 422,
  CERTIFICATE_MISSING: 422,
  CERTIFICATE_UNTRUSTED: 422,
  CERTIFICATE_EXPIRED: 422,
  CERTIFICATE_NOT_YET_VALID: 422,
  CERTIFICATE_REVOKED: 422,
  CERTIFICATE_REVOCATION_UNKNOWN: 503,
  CERTIFICATE_WITHOUT_IIN: 422,
  CERTIFICATE_HOLDER_UNKNOWN: 422,
  WRONG_KEY_USAGE: 422,
  SIGNED_CONTENT_INVALID: 422,
  SIGNED_CONTENT_MISMATCH: 422,
  SIGNED_DOCUMENT_EXPIRED: 422,
  CHALLENGE_UNKNOWN: 422,
  CHALLENGE_EXPIRED: 422,
  NONCE_REPLAYED: 409,
  SIGNER_NOT_SESSION: 403,
  EMAIL_REQUIRED: 403,
  CALENDAR_DAY_EXISTS: 409,
  // R4.2: corrections and withdrawals of a place refused by its state.
  PLACE_IN_OPEN_WAVE: 409,
  PLACE_SEATS_TAKEN: 409,
  PLACE_WITHDRAWN: 409,
  NOTICE_NOT_FAILED: 409,
  // Managing who may act (api/routes/management.ts).
  REGION_EXISTS: 409,
  NUMBER_PREFIX_TAKEN: 409,
  PERSON_NOT_IN_REGISTRY: 422,
  STAFF_MEMBER_EXISTS: 409,
  CANNOT_REMOVE_SELF: 409,
  LAST_NATIONAL_OPERATOR: 409,
  KINDERGARTEN_CLOSED: 409,
  KINDERGARTEN_IN_USE: 409,
  // R9.2: a document still being made is not an error: 202, with Retry-After.
  DOCUMENT_NOT_READY: 202,
  DOCUMENT_FAILED: 409,
  DOCUMENT_NOT_ISSUED: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

const TITLES: Partial<Record<ProblemCode, string>> = {
  VALIDATION_FAILED: 'The request is not valid',
  NOT_FOUND: 'Not found',
  UNAUTHENTICATED: 'Log in first',
  SIGNATURE_INVALID: 'The signature does not match the document',
  SIGNATURE_WRAPPING: 'The signature does not cover the whole document',
  NONCE_REPLAYED: 'This signed document has already been used',
  SIGNER_NOT_SESSION: 'The document was signed by someone other than the logged-in person',
  WRONG_KEY_USAGE: 'The document was signed with the wrong key',
  EMAIL_REQUIRED: 'Give an e-mail address first',
  DUPLICATE_APPLICATION: 'The child already has an active application in this queue',
  DOCUMENT_NOT_READY: 'The document is being made; ask again after Retry-After seconds',
  RATE_LIMITED: 'Too many requests from this address; ask again after Retry-After seconds',
  INTERNAL: 'Something went wrong on our side',
};

export class Problem extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

// Every workflow refusal (domain/errors.ts) is a problem code of the same name: checked here.
DOMAIN_ERRORS satisfies Record<DomainError, ProblemCode>;

// Every refusal of the signature verifier is a problem code of the same name: checked here.
SIGNATURE_REFUSALS satisfies readonly ProblemCode[];

/** A refusal the caller can act on (ours, the verifier's, a workflow's) as a problem; undefined for a fault. */
export function asProblem(err: unknown): Problem | undefined {
  if (err instanceof Problem) return err;
  if (err instanceof SignatureRefusal) return new Problem(err.code, err.message);
  return problemFromWorkflow(err);
}

/** Turns a refusal from a workflow into the caller's problem; undefined for anything else. */
export function problemFromWorkflow(err: unknown): Problem | undefined {
  if (err instanceof WorkflowNotFoundError) {
    return new Problem('APPLICATION_CLOSED', 'the application is closed and takes no more actions');
  }
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && isDomainError(cause.type)) {
    const details = (cause.details?.[0] ?? {}) as Record<string, unknown>;
    return new Problem(cause.type, cause.message, details);
  }
  return undefined;
}

export function problemBody(p: Problem, instance: string) {
  const status = PROBLEMS[p.code];
  return {
    type: `https://kindergarten-queue.kz/problems/${p.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[p.code] ?? p.code.replace(/_/g, ' ').toLowerCase(),
    status,
    code: p.code,
    detail: p.detail,
    instance,
    ...p.extra,
  };
}

export function sendProblem(ctx: Context, p: Problem): void {
  ctx.status = PROBLEMS[p.code];
  ctx.type = 'application/problem+json';
  ctx.body = problemBody(p, ctx.path);
  // RFC 6750: a 401 names the scheme; a token that was sent and refused is invalid_token.
  if (ctx.status === 401) ctx.set('WWW-Authenticate', `Bearer realm="kindergarten-queue"${ctx.state.sessionEnded ? ', error="invalid_token"' : ''}`);
}

/** What the router answers with an empty body (no route, wrong method), as problems. */
function routerRefusal(ctx: Context): Problem | undefined {
  if (ctx.body !== undefined && ctx.body !== null) return undefined;
  if (ctx.status === 404) return new Problem('NOT_FOUND', `no route ${ctx.method} ${ctx.path}`);
  // A method the path does not have, or one no path has (TRACE, QUERY): 405 either way — the
  // client's to fix, never a server error. The router has set Allow already: it stays.
  if (ctx.status === 405 || ctx.status === 501) return new Problem('METHOD_NOT_ALLOWED', `${ctx.method} is not allowed here; allowed: ${ctx.response.get('Allow')}`);
  return undefined;
}

export async function problemMiddleware(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    const refusal = routerRefusal(ctx);
    if (refusal) sendProblem(ctx, refusal);
  } catch (err) {
    const known = asProblem(err);
    if (known) {
      // Who was refused what, and why (SECURITY.md); never the token.
      if (PROBLEMS[known.code] === 401 || PROBLEMS[known.code] === 403) {
        audit('refused', { iin: ctx.state.session?.iin ?? null, method: ctx.method, path: ctx.path, code: known.code });
      }
      return sendProblem(ctx, known);
    }
    // The request's log line carries it, stack and all (api/request-log.ts); the client never sees it.
    ctx.state.fault = err;
    sendProblem(ctx, new Problem('INTERNAL', 'the request could not be completed; try again later'));
  }
}
