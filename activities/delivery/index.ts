/** The adapters notice delivery sends through, built from the configuration (config.ts). */
import type { Config } from '../../config';
import { SmtpEmailSender, type EmailSender } from './email';
import { DevSmsLog, HttpSmsGateway, type SmsSender } from './sms';

export { DeliveryFailure, classifySmtpError, permanentFailure, transientFailure } from './failures';
export { SmtpEmailSender, addressDomain, noticeMessageId, type EmailMessage, type EmailSender } from './email';
export { DevSmsLog, HttpSmsGateway, DEV_SMS_LOG, type SmsMessage, type SmsSender } from './sms';

export interface NoticeSenders {
  email: EmailSender;
  sms: SmsSender;
  /** Where notices go, for the worker's start-up line. */
  description: string;
  close(): void;
}

/** E-mail through SMTP_URL; SMS through the gateway at SMS_URL, or into .data/sms.log when it is unset. */
export function createNoticeSenders(c: Config): NoticeSenders {
  const email = new SmtpEmailSender({ url: c.SMTP_URL, from: c.NOTICE_EMAIL_FROM, maxConnections: c.NOTICE_SEND_CONCURRENCY, timeoutMs: c.NOTICE_SEND_TIMEOUT_MS });
  const sms = c.SMS_URL ? new HttpSmsGateway(c.SMS_URL, c.NOTICE_SEND_TIMEOUT_MS) : new DevSmsLog();
  const smtpHost = new URL(c.SMTP_URL).host;
  return {
    email,
    sms,
    description: `e-mail via SMTP ${smtpHost}, SMS ${c.SMS_URL ? `via ${new URL(c.SMS_URL).host}` : 'into .data/sms.log (SMS_URL unset)'}`,
    close() {
      email.close();
      sms.close();
    },
  };
}
