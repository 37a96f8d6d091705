import { createNoticeDeliveryActivities, type NoticeDeliverySettings } from '../../activities/notice-delivery';
import { DevSmsLog, HttpSmsGateway, SmtpEmailSender, noticeMessageId } from '../../activities/delivery';
import { renderNotice } from '../../templates/notices';
import type { Db } from '../../db/connection';
import { queueNotices, noticeRows, reconfirmationContent, scratchDatabase, smtpReply, startSmsGateway, startSmtpCatcher, testSettings, type FakeSmsGateway, type SmtpCatcher } from './helpers';

const FROM = 'Очередь <noreply@kindergarten-queue.kz>';

describe('R9.1 delivery of the notices outbox (activity, real PostgreSQL, real SMTP)', () => {
  let db: Db;
  let drop: () => Promise<void>;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    ({ db, drop } = await scratchDatabase());
  });
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
    // Each test sees only its own rows.
    await db('notices').del();
  });
  afterAll(() => drop());

  /** Servers closed after the test. */
  const catcher = async (...args: Parameters<typeof startSmtpCatcher>) => {
    const smtp = await startSmtpCatcher(...args);
    closers.push(() => smtp.close());
    return smtp;
  };
  const gateway = async (...args: Parameters<typeof startSmsGateway>) => {
    const sms = await startSmsGateway(...args);
    closers.push(() => sms.close());
    return sms;
  };

  /** The activity against `smtp` and `sms`, as the worker builds it. */
  async function delivery(opts: { smtp?: SmtpCatcher; sms?: FakeSmsGateway; settings?: Partial<NoticeDeliverySettings> } = {}) {
    const smtp = opts.smtp ?? (await catcher());
    const settings = testSettings(opts.settings);
    const email = new SmtpEmailSender({ url: smtp.url, from: FROM, maxConnections: settings.concurrency, timeoutMs: settings.sendTimeoutMs });
    const sms = opts.sms ? new HttpSmsGateway(opts.sms.url, settings.sendTimeoutMs) : new DevSmsLog(`/tmp/kq-sms-${process.pid}.log`);
    closers.push(() => email.close());
    const activities = createNoticeDeliveryActivities({ db, renderNotice, email, sms, settings });
    return { smtp, deliver: (batchSize = 10) => activities.deliverDueNotices({ batchSize, workerId: 'test' }) };
  }

  it('R9.1 sends each due notice once, in the rendered language, with a Message-ID derived from its idempotency key', async () => {
    const { smtp, deliver } = await delivery();
    const queued = await queueNotices(db, [{ language: 'ru' }, { language: 'kk' }, { language: 'ru' }]);
    const result = await deliver(2);
    expect(result).toMatchObject({ claimed: 3, sent: 3, retried: 0, failed: 0, budgetSpent: false, nextDueAt: null });
    expect(smtp.received).toHaveLength(3);
    const rows = await noticeRows(db, queued.map((q) => q.id));
    for (const row of rows) {
      expect(row).toMatchObject({ state: 'sent', attempts: 1, lease_until: null, last_error: null });
      expect(row.sent_at).toBeInstanceOf(Date);
      expect(row.message_id).toBe(noticeMessageId(row.idempotency_key, 'kindergarten-queue.kz'));
      const mail = smtp.received.find((m) => m.messageId === row.message_id)!;
      const rendered = renderNotice('reconfirmation_due', row.language, row.payload);
      expect(mail.to).toMatchObject({ text: row.recipient });
      expect(mail.subject).toBe(rendered.subject);
      expect(mail.text?.trim()).toBe(rendered.text.trim());
    }
    // Nothing is due any more: a second call sends nothing.
    expect(await deliver()).toMatchObject({ claimed: 0, sent: 0 });
    expect(smtp.received).toHaveLength(3);
  });

  it('R9.1 a transient SMTP refusal (451) twice, then acceptance: delivered once, the attempts and the backoff recorded', async () => {
    const smtp = await catcher((_address, n) => (n <= 2 ? smtpReply(451, 'mailbox busy, try later') : undefined));
    const { deliver } = await delivery({ smtp, settings: { backoffBaseMs: 60_000, backoffMaxMs: 100_000 } });
    const [queued] = await queueNotices(db, [{}]);
    const row = () => db('notices').where({ id: queued!.id }).first();

    expect(await deliver()).toMatchObject({ claimed: 1, retried: 1, sent: 0 });
    let r = await row();
    expect(r).toMatchObject({ state: 'pending', attempts: 1, lease_until: null });
    expect(r.last_error).toMatch(/451/);
    const firstWait = r.next_attempt_at.getTime() - Date.now();
    expect(firstWait).toBeGreaterThan(50_000);
    expect(firstWait).toBeLessThanOrEqual(60_000);
    // Not due yet: nothing is claimed, and the next due time is reported.
    expect(await deliver()).toMatchObject({ claimed: 0, nextDueAt: r.next_attempt_at.toISOString() });

    await db('notices').where({ id: queued!.id }).update({ next_attempt_at: db.fn.now() });
    expect(await deliver()).toMatchObject({ retried: 1 });
    r = await row();
    // Exponential, capped: 60 s, then 120 s cut to 100 s.
    expect(r.next_attempt_at.getTime() - Date.now()).toBeGreaterThan(90_000);
    expect(r.attempts).toBe(2);

    await db('notices').where({ id: queued!.id }).update({ next_attempt_at: db.fn.now() });
    expect(await deliver()).toMatchObject({ sent: 1 });
    r = await row();
    expect(r).toMatchObject({ state: 'sent', attempts: 3 });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.rcptCount(queued!.recipient)).toBe(3);
  });

  it('R9.1 a permanent SMTP refusal (550 no such mailbox) fails the notice with the reason, and it is not tried again', async () => {
    const smtp = await catcher((address) => (address.startsWith('gone') ? smtpReply(550, 'no such mailbox') : undefined));
    const { deliver } = await delivery({ smtp });
    const [gone, fine] = await queueNotices(db, [{ recipient: 'gone@example.kz' }, {}]);
    expect(await deliver()).toMatchObject({ claimed: 2, sent: 1, failed: 1 });
    const [a, b] = await noticeRows(db, [gone!.id, fine!.id]);
    expect(a).toMatchObject({ state: 'failed', attempts: 1, message_id: null });
    expect(a.failed_reason).toMatch(/550.*no such mailbox/);
    expect(b).toMatchObject({ state: 'sent' });
    expect(await deliver()).toMatchObject({ claimed: 0 });
    expect(smtp.rcptCount('gone@example.kz')).toBe(1);
  });

  it('R9.1 transient failures past the attempt limit fail the notice, saying it gave up', async () => {
    const smtp = await catcher(() => smtpReply(421, 'service not available'));
    const { deliver } = await delivery({ smtp, settings: { maxAttempts: 3 } });
    const [queued] = await queueNotices(db, [{}]);
    // No backoff in these settings: one call tries until the limit.
    expect(await deliver()).toMatchObject({ retried: 2, failed: 1 });
    const r = await db('notices').where({ id: queued!.id }).first();
    expect(r).toMatchObject({ state: 'failed', attempts: 3 });
    expect(r.failed_reason).toMatch(/^gave up after 3 attempts: SMTP 421/);
  });

  it('R9.1 a notice its template cannot render fails at once, without a send', async () => {
    const { smtp, deliver } = await delivery();
    const [queued] = await queueNotices(db, [{ kind: 'referral_issued', payload: reconfirmationContent('75.UO.2026.000001.1') }]);
    expect(await deliver()).toMatchObject({ failed: 1 });
    const r = await db('notices').where({ id: queued!.id }).first();
    expect(r.failed_reason).toMatch(/^cannot render referral_issued \(ru\)/);
    expect(smtp.received).toHaveLength(0);
  });

  it('R9.1 an SMS gateway answering 503 twice, then 200: one SMS accepted, keyed by the idempotency key; a 400 fails the SMS', async () => {
    const sms = await gateway((req, n) => (req.recipient === '+77000000000' ? 400 : n <= 2 ? 503 : 200));
    const { deliver } = await delivery({ sms });
    const [queued, refused] = await queueNotices(db, [{ channel: 'sms' }, { channel: 'sms', recipient: '+77000000000' }]);
    const result = await deliver();
    expect(result).toMatchObject({ sent: 1, retried: 2, failed: 1 });
    expect(sms.accepted).toEqual([{ recipient: queued!.recipient, text: expect.any(String), clientMessageId: queued!.idempotency_key }]);
    expect(sms.accepted[0]!.text).toBe(renderNotice('reconfirmation_due', 'ru', reconfirmationContent('75.UO.2026.000000.1')).sms);
    const [a, b] = await noticeRows(db, [queued!.id, refused!.id]);
    expect(a).toMatchObject({ state: 'sent', attempts: 3, message_id: 'gw-1' });
    expect(a.last_error).toMatch(/503/);
    expect(b).toMatchObject({ state: 'failed', attempts: 1 });
    expect(b.failed_reason).toMatch(/^SMS gateway 400/);
  });

  it('R9.1 an SMS gateway that cannot be reached is a transient failure', async () => {
    const down = await startSmsGateway();
    await down.close();
    const { deliver } = await delivery({ sms: down, settings: { backoffBaseMs: 60_000, backoffMaxMs: 60_000 } });
    const [queued] = await queueNotices(db, [{ channel: 'sms' }]);
    expect(await deliver()).toMatchObject({ retried: 1 });
    expect((await db('notices').where({ id: queued!.id }).first()).last_error).toMatch(/^SMS gateway unreachable/);
  });

  it('R9.1 deliveries running at once over the same rows send every notice exactly once', async () => {
    const smtp = await catcher();
    const sms = await gateway();
    const first = await delivery({ smtp, sms, settings: { concurrency: 3 } });
    const second = await delivery({ smtp, sms, settings: { concurrency: 3 } });
    const queued = await queueNotices(db, Array.from({ length: 60 }, (_, i) => ({ channel: i % 3 === 0 ? 'sms' : 'email' }) as const));
    const results = await Promise.all([first.deliver(5), second.deliver(5), first.deliver(7), second.deliver(7)]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(60);
    expect(results.filter((r) => r.sent > 0).length).toBeGreaterThan(1); // they did run side by side
    const messageIds = smtp.received.map((m) => m.messageId);
    expect(messageIds).toHaveLength(40);
    expect(new Set(messageIds).size).toBe(40);
    const smsKeys = sms.requests.map((r) => r.clientMessageId);
    expect(smsKeys).toHaveLength(20);
    expect(new Set(smsKeys).size).toBe(20);
    const rows = await noticeRows(db, queued.map((q) => q.id));
    expect(rows.filter((r) => r.state === 'sent' && r.attempts === 1)).toHaveLength(60);
  });

  it('R9.1 a row another claimer holds is left alone until its lease ends (a crashed worker), then sent', async () => {
    const { smtp, deliver } = await delivery();
    const [queued] = await queueNotices(db, [{}]);
    await db('notices').where({ id: queued!.id }).update({ lease_until: db.raw(`now() + interval '1 minute'`), claimed_by: 'crashed' });
    expect(await deliver()).toMatchObject({ claimed: 0, nextDueAt: null });
    await db('notices').where({ id: queued!.id }).update({ lease_until: db.raw(`now() - interval '1 second'`) });
    expect(await deliver()).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.received).toHaveLength(1);
  });
});
