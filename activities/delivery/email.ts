import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { classifySmtpError } from './failures';

/** One e-mail notice, ready to send. */
export interface EmailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** The outbox row's idempotency key: the Message-ID derives from it. */
  idempotencyKey: string;
}

/** Sends e-mail; throws a DeliveryFailure (transient or permanent) when it cannot. */
export interface EmailSender {
  send(message: EmailMessage): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * The Message-ID of a notice: the same for every send of one outbox row, so a duplicate sent after
 * a crash between the server's acceptance and the row's update is recognisable as the same message.
 */
export function noticeMessageId(idempotencyKey: string, domain: string): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex')}@${domain}>`;
}

/** The domain of an address such as `Name <noreply@example.kz>`. */
export function addressDomain(address: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(address)?.[1];
  if (!domain) throw new Error(`no domain in the address ${address}`);
  return domain;
}

export interface SmtpEmailSenderOptions {
  /** `smtp://user:pass@host:port` or `smtps://…` (SMTP_URL). */
  url: string;
  /** The From of every notice (NOTICE_EMAIL_FROM). */
  from: string;
  /** Pooled connections kept open (match the sends in flight). */
  maxConnections: number;
  /** Connection, greeting and socket inactivity timeout (NOTICE_SEND_TIMEOUT_MS). */
  timeoutMs: number;
}

const smtpPool = (opts: SmtpEmailSenderOptions) =>
  nodemailer.createTransport({
    url: opts.url,
    pool: true,
    maxConnections: opts.maxConnections,
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
  });

/** E-mail through an SMTP server, over a pool of kept-open connections (nodemailer). */
export class SmtpEmailSender implements EmailSender {
  private readonly transport: ReturnType<typeof smtpPool>;
  private readonly domain: string;

  constructor(private readonly opts: SmtpEmailSenderOptions) {
    this.domain = addressDomain(opts.from);
    this.transport = smtpPool(opts);
  }

  async send(message: EmailMessage): Promise<{ messageId: string }> {
    const messageId = noticeMessageId(message.idempotencyKey, this.domain);
    try {
      await this.transport.sendMail({
        from: this.opts.from,
        to: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        messageId,
      });
    } catch (err) {
      throw classifySmtpError(err);
    }
    return { messageId };
  }

  close(): void {
    this.transport.close();
  }
}
