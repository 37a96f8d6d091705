import { createHash } from 'node:crypto';
import type { Config } from '../../config';
import { printVerificationCode, verificationPath, type DocumentRenderActivities, type RenderRequest, type RenderResult } from '../../contracts/documents';
import type { Db } from '../../db/connection';
import { DOCUMENT_TEMPLATE_VERSION, type DocumentKind, type DocumentRenderer, type DocumentSnapshot } from '../../domain/documents';
import { iso } from '../../domain/iso';
import type { Language } from '../../domain/queue';
import { createOutbox, type OutboxSettings, type OutboxTable } from '../outbox';

/** How rendering claims and retries (the DOCUMENT_* settings of config.ts), and where documents are checked. */
export interface DocumentRenderSettings extends OutboxSettings {
  /** PUBLIC_BASE_URL: the verification URL printed on every document starts with it. */
  publicBaseUrl: string;
}

export const renderSettings = (c: Config): DocumentRenderSettings => ({
  leaseMs: c.DOCUMENT_LEASE_MS,
  workTimeoutMs: c.DOCUMENT_RENDER_TIMEOUT_MS,
  concurrency: c.DOCUMENT_RENDER_CONCURRENCY,
  maxAttempts: c.DOCUMENT_MAX_ATTEMPTS,
  backoffBaseMs: c.DOCUMENT_BACKOFF_BASE_MS,
  backoffMaxMs: c.DOCUMENT_BACKOFF_MAX_MS,
  timeBudgetMs: c.DOCUMENT_TIME_BUDGET_MS,
  publicBaseUrl: c.PUBLIC_BASE_URL,
});

export interface DocumentRenderDependencies {
  db: Db;
  /** One per worker process (one Chromium), closed at its shutdown; tests pass a stub. */
  renderer: DocumentRenderer;
  settings: DocumentRenderSettings;
}

/** A document waiting to render, as a claim returns it. */
interface ClaimedDocument {
  id: string;
  attempts: number;
  kind: DocumentKind;
  language: Language;
  snapshot: DocumentSnapshot;
  verification_code: string;
  issued_at: Date;
}

const DOCUMENTS: OutboxTable = {
  table: 'documents',
  waiting: 'rendering',
  done: 'ready',
  failed: 'failed',
  columns: ['kind', 'language', 'snapshot', 'verification_code', 'issued_at'],
  failure: (message, gaveUp) => ({ last_error: gaveUp ?? message }),
};

/**
 * R9.2: renders the documents waiting in the `documents` table (claimed as activities/outbox.ts
 * claims, several renders at once), and stores each PDF with its SHA-256 once: a ready document is
 * never claimed again, so every download gives the same bytes. A failed render is tried again with
 * backoff, and after DOCUMENT_MAX_ATTEMPTS the document is `failed` with the reason.
 */
export function createDocumentRenderActivities(deps: DocumentRenderDependencies): DocumentRenderActivities {
  const { db, renderer, settings } = deps;
  const outbox = createOutbox<ClaimedDocument>(db, DOCUMENTS, settings);

  const render = async (row: ClaimedDocument): Promise<Record<string, unknown>> => {
    const content = await renderer.render({
      kind: row.kind,
      language: row.language,
      snapshot: row.snapshot,
      verificationCode: printVerificationCode(row.verification_code),
      verificationUrl: settings.publicBaseUrl + verificationPath(row.verification_code),
      issuedAt: iso(row.issued_at),
    });
    if (!Buffer.isBuffer(content) || content.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('the renderer returned no PDF');
    return {
      content,
      sha256: createHash('sha256').update(content).digest('hex'),
      media_type: 'application/pdf',
      template_version: DOCUMENT_TEMPLATE_VERSION,
      rendered_at: db.fn.now(),
    };
  };

  return {
    /** R9.2: renders the due documents, batch after batch, until none is due or the time budget is spent. */
    async renderDueDocuments(req: RenderRequest): Promise<RenderResult> {
      const { done, ...result } = await outbox.drain(req, render);
      return { ...result, rendered: done };
    },
  };
}
