import type { Config } from '../config';
import type { DeliveryRequest, DeliveryResult, NoticeDeliveryActivities } from '../contracts/notices';
import type { Db } from '../db/connection';
import type { NoticeChannel, NoticeContent, NoticeKind, NoticeRenderer, RenderedNotice } from '../domain/notices';
import type { Language } from '../domain/queue';
import type { EmailSender } from './delivery/email';
import { asDeliveryFailure, permanentFailure } from './delivery/failures';
import type { SmsSender } from './delivery/sms';
import { createOutbox, type OutboxTable } from './outbox';

export { backoffMs } from './outbox';

/** How delivery claims, sends and retries (from the NOTICE_* settings of config.ts). */
export interface NoticeDeliverySettings {
  /** How long a claim keeps other claimers off its rows. */
  leaseMs: number;
  /** One send fails as transient after this long; none starts later than a lease minus this. */
  sendTimeoutMs: number;
  /** Sends in flight at once within a batch. */
  concurrency: number;
  maxAttempts: number;
  /** The wait after the n-th transient failure: base · 2^(n−1), at most max. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long one call keeps claiming batches, unless the request says otherwise. */
  timeBudgetMs: number;
}

export const deliverySettings = (c: Config): NoticeDeliverySettings => ({
  leaseMs: c.NOTICE_LEASE_MS,
  sendTimeoutMs: c.NOTICE_SEND_TIMEOUT_MS,
  concurrency: c.NOTICE_SEND_CONCURRENCY,
  maxAttempts: c.NOTICE_MAX_ATTEMPTS,
  backoffBaseMs: c.NOTICE_BACKOFF_BASE_MS,
  backoffMaxMs: c.NOTICE_BACKOFF_MAX_MS,
  timeBudgetMs: c.NOTICE_TIME_BUDGET_MS,
});

export interface NoticeDeliveryDependencies {
  db: Db;
  /** templates/notices.ts's renderNotice in the worker; tests may pass their own. */
  renderNotice: NoticeRenderer;
  email: EmailSender;
  sms: SmsSender;
  settings: NoticeDeliverySettings;
}

/** An outbox row as a claim returns it. */
interface ClaimedNotice {
  id: string;
  idempotency_key: string;
  kind: NoticeKind;
  channel: NoticeChannel;
  recipient: string;
  language: Language;
  payload: NoticeContent;
  attempts: number;
}

const NOTICES: OutboxTable = {
  table: 'notices',
  waiting: 'pending',
  done: 'sent',
  failed: 'failed',
  columns: ['idempotency_key', 'kind', 'channel', 'recipient', 'language', 'payload'],
  failure: (message, gaveUp) => (gaveUp === undefined ? { last_error: message } : { last_error: message, failed_reason: gaveUp }),
};

/**
 * R9.1: delivery of the notices outbox (activities/outbox.ts claims the rows). Each call claims due
 * rows in batches, sends them with bounded concurrency, and records each outcome under its claim. A
 * row is sent at least once; a crash between the provider's acceptance and the row's update sends it
 * again after its lease, under the same Message-ID / clientMessageId.
 */
export function createNoticeDeliveryActivities(deps: NoticeDeliveryDependencies): NoticeDeliveryActivities {
  const { db, settings } = deps;
  const outbox = createOutbox<ClaimedNotice>(db, NOTICES, { ...settings, workTimeoutMs: settings.sendTimeoutMs });

  /** Renders and sends one row; a template that cannot render it fails it permanently (a fix needs a new release). */
  const send = async (row: ClaimedNotice): Promise<Record<string, unknown>> => {
    let rendered: RenderedNotice;
    try {
      rendered = deps.renderNotice(row.kind, row.language, row.payload);
    } catch (err) {
      throw permanentFailure(`cannot render ${row.kind} (${row.language}): ${err instanceof Error ? err.message : String(err)}`);
    }
    const { messageId } = await (row.channel === 'email'
      ? deps.email.send({ to: row.recipient, subject: rendered.subject, html: rendered.html, text: rendered.text, idempotencyKey: row.idempotency_key })
      : deps.sms.send({ recipient: row.recipient, text: rendered.sms, clientMessageId: row.idempotency_key }));
    return { sent_at: db.fn.now(), message_id: messageId };
  };

  return {
    /** R9.1: sends the due notices, batch after batch, until none is due or the time budget is spent. */
    async deliverDueNotices(req: DeliveryRequest): Promise<DeliveryResult> {
      const { done, ...result } = await outbox.drain(req, send, asDeliveryFailure);
      return { ...result, sent: done };
    },
  };
}
