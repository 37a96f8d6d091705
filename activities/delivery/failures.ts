/**
 * How a send failed, as delivery decides what to do next: a transient failure is tried again later
 * (with backoff); a permanent one marks the notice failed at once.
 */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = permanent ? 'PermanentDeliveryFailure' : 'TransientDeliveryFailure';
  }
}

export const transientFailure = (message: string) => new DeliveryFailure(message, false);
export const permanentFailure = (message: string) => new DeliveryFailure(message, true);

/** Any error as a DeliveryFailure: what a sender did not classify is taken as transient. */
export function asDeliveryFailure(err: unknown): DeliveryFailure {
  if (err instanceof DeliveryFailure) return err;
  return transientFailure(err instanceof Error ? err.message : String(err));
}

interface SmtpErrorFields {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  message?: string;
}

/**
 * An SMTP (nodemailer) error, classified: a 5xx reply to the envelope or the message (550 no such
 * mailbox, 553 bad address, 554 rejected) is permanent for that notice; 4xx replies (451, 452, 421),
 * refused or dropped connections, TLS and timeouts are transient. So are authentication failures,
 * though 5xx: they are the server's configuration, not the notice's fault, and clear when it is fixed.
 */
export function classifySmtpError(err: unknown): DeliveryFailure {
  const e = (err ?? {}) as SmtpErrorFields;
  const reply = e.responseCode;
  const what = `SMTP${reply ? ` ${reply}` : ''}${e.command ? ` (${e.command})` : ''}${e.code ? ` ${e.code}` : ''}: ${(e.response ?? e.message ?? String(err)).trim()}`;
  const auth = e.code === 'EAUTH' || e.code === 'ENOAUTH' || /^AUTH\b/i.test(e.command ?? '');
  if (reply !== undefined && reply >= 500 && reply < 600 && !auth) return permanentFailure(what);
  // An envelope refused before any reply (no valid recipient address) cannot succeed later either.
  if (reply === undefined && e.code === 'EENVELOPE') return permanentFailure(what);
  return transientFailure(what);
}
