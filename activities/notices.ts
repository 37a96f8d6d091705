import type { NoticeRequest } from '../contracts/activities';
import type { Db } from '../db/connection';

export function createNoticeActivities({ db }: { db: Db }) {
  return {
    /**
     * R9.1: puts one outbox row per contact of the application (R2.2), in the applicant's
     * language; delivery reads the outbox.
     */
    async enqueueNotice(req: NoticeRequest): Promise<number> {
      const app = await db('applications')
        .where({ number: req.number })
        .first('email', 'phone', 'extra_email', 'extra_phone', 'language');
      if (!app) throw new Error(`no application ${req.number}`);
      const recipients = [
        { channel: 'email', recipient: app.email },
        { channel: 'sms', recipient: app.phone },
        { channel: 'email', recipient: app.extra_email },
        { channel: 'sms', recipient: app.extra_phone },
      ].filter((r): r is { channel: string; recipient: string } => Boolean(r.recipient));
      const rows = recipients.map((r) => ({
        idempotency_key: `${req.key}:${r.channel}:${r.recipient}`,
        application_number: req.number,
        kind: req.kind,
        channel: r.channel,
        recipient: r.recipient,
        language: app.language,
        payload: JSON.stringify(req.data),
      }));
      const inserted = await db('notices').insert(rows).onConflict('idempotency_key').ignore().returning('id');
      return inserted.length;
    },
  };
}
