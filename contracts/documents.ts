/**
 * The contract of R2.4, R5.1, R9.2 documents: the rendering dispatcher's workflow ID, task queue and
 * input, the render activity it calls, and how a verification code is printed and read back. The
 * records are the `documents` table (activities/documents/records.ts writes them at the event;
 * activities/documents/dispatch.ts renders them).
 */

/** PDFs render on a task queue of their own, so a slow render never delays a deadline or a wave. */
export const DOCUMENT_TASK_QUEUE = 'documents';

/** One dispatcher per namespace: the worker starts it under this ID, and a second start is refused. */
export const DOCUMENT_DISPATCHER_WORKFLOW_ID = 'document-dispatcher';

/** The workflow type, as clients that do not import the workflow's code start it. */
export const DOCUMENT_DISPATCHER_WORKFLOW_TYPE = 'documentDispatcherWorkflow';

/** What one render activity did. */
export interface RenderCounts {
  /** Rows claimed (each claim is an UPDATE … FOR UPDATE SKIP LOCKED). */
  claimed: number;
  /** Rendered and stored: ready. */
  rendered: number;
  /** Failed and put back with a later next_attempt_at. */
  retried: number;
  /** Failed on the last attempt. */
  failed: number;
  /** Claimed rows let go unrendered because their lease ran short. */
  released: number;
}

export interface RenderRequest {
  /** Rows claimed at once. */
  batchSize: number;
  /** Who claims, recorded in claimed_by. */
  workerId: string;
  /** Keep claiming batches this long (real ms); the worker's DOCUMENT_TIME_BUDGET_MS when absent. */
  timeBudgetMs?: number;
}

export interface RenderResult extends RenderCounts {
  /** True when the time budget ended the run with documents still due: call again without waiting. */
  budgetSpent: boolean;
  /** The earliest next_attempt_at of a document waiting to render (ISO 8601), or null. */
  nextDueAt: string | null;
}

/** The render activity, as the dispatcher workflow calls it. */
export interface DocumentRenderActivities {
  renderDueDocuments(req: RenderRequest): Promise<RenderResult>;
}

/** The dispatcher's settings (the worker passes them from its configuration) and its running totals. */
export interface DocumentDispatcherInput {
  /** How long to sleep when nothing is due (DOCUMENT_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  batchSize: number;
  /** Per activity call (DOCUMENT_TIME_BUDGET_MS). */
  timeBudgetMs: number;
  /** Loop iterations before the run continues as new (DOCUMENT_DISPATCHER_ITERATIONS). */
  iterationsPerRun: number;
  /** Carried across continue-as-new. */
  totals?: RenderCounts;
}

/**
 * A document's verification code: 20 characters of Crockford's base32 (100 random bits), stored
 * without separators and printed in five groups of four (`7K3M-Q9TX-…`). Read back case-insensitively,
 * with or without separators, taking I and L for 1 and O for 0 as Crockford's alphabet does.
 */
export const VERIFICATION_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const VERIFICATION_CODE_LENGTH = 20;

export const printVerificationCode = (code: string): string => code.match(/.{1,4}/g)!.join('-');

/** The stored form of a code as someone typed it; undefined when it cannot be one. */
export function readVerificationCode(typed: string): string | undefined {
  const code = typed
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  return code.length === VERIFICATION_CODE_LENGTH && [...code].every((c) => VERIFICATION_ALPHABET.includes(c)) ? code : undefined;
}

/** Where anyone confirms a document (R9.2): PUBLIC_BASE_URL and this path, printed and as a QR code. */
export const verificationPath = (code: string): string => `/api/v1/public/documents/${printVerificationCode(code)}`;
