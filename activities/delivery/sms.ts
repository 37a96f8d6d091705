import fs from 'node:fs/promises';
import path from 'node:path';
import { permanentFailure, transientFailure } from './failures';

/** One SMS notice, ready to send. */
export interface SmsMessage {
  /** The phone number as the applicant gave it (R2.2). */
  recipient: string;
  text: string;
  /** The outbox row's idempotency key: the gateway drops a second message with the same one. */
  clientMessageId: string;
}

/** Sends SMS; throws a DeliveryFailure (transient or permanent) when it cannot. */
export interface SmsSender {
  send(message: SmsMessage): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * An HTTP SMS gateway: POST JSON `{ recipient, text, clientMessageId }`. 2xx: accepted (the
 * gateway's `messageId` or `id` is kept when it answers with one); 4xx: the gateway refuses this
 * message, permanently — except 408 and 429, which say "later"; 5xx, timeouts and network errors:
 * transient.
 */
export class HttpSmsGateway implements SmsSender {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async send(message: SmsMessage): Promise<{ messageId: string }> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recipient: message.recipient, text: message.text, clientMessageId: message.clientMessageId }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw transientFailure(`SMS gateway unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    const body = await res.text().catch(() => '');
    if (res.ok) return { messageId: gatewayId(body) ?? message.clientMessageId };
    const what = `SMS gateway ${res.status}: ${body.slice(0, 300)}`;
    if (res.status >= 500 || res.status === 408 || res.status === 429) throw transientFailure(what);
    throw permanentFailure(what);
  }

  close(): void {}
}

function gatewayId(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { messageId?: unknown; id?: unknown };
    const id = parsed.messageId ?? parsed.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

/** Where DevSmsLog writes unless told otherwise: .data/sms.log under the working directory. */
export const DEV_SMS_LOG = path.join('.data', 'sms.log');

/** Development without a gateway (SMS_URL unset): one JSON line per SMS, appended to a file. */
export class DevSmsLog implements SmsSender {
  constructor(private readonly file: string = path.resolve(DEV_SMS_LOG)) {}

  async send(message: SmsMessage): Promise<{ messageId: string }> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    await fs.appendFile(this.file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`);
    return { messageId: message.clientMessageId };
  }

  close(): void {}
}
