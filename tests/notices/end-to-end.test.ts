/**
 * R9.1 end to end, under time skipping: two lifecycles — one ending enrolled, one removed after two
 * expired referrals — queue their notices; two dispatchers on two workers deliver them to a real
 * SMTP server in this process and a fake SMS gateway on a local port, one address of each failing
 * twice first. Every notice their events cause arrives exactly once per recipient, in the
 * application's language, as the templates render it.
 */
import { APPLICATION_TASK_QUEUE, chooseKindergartenUpdate, registerArrivalUpdate } from '../../contracts/application';
import type { NoticeDispatcherInput } from '../../contracts/notices';
import { seedDevelopment } from '../../db/seeds/development';
import { hours } from '../../domain/almaty-time';
import type { NoticeContent, NoticeKind } from '../../domain/notices';
import type { Language } from '../../domain/queue';
import { renderNotice } from '../../templates/notices';
import { startNoticeDispatcher } from '../../worker/notice-dispatcher';
import {
  buildPlace,
  buildRegion,
  eventually,
  finished,
  issueReferral,
  offerPlaces,
  request,
  skipTo,
  startApplication,
  terminateWhenIdle,
  untilIdle,
  waitForState,
  type Started,
} from '../helpers/lifecycle';
import { uniqueId } from '../helpers/temporal';
import { smtpReply, useNoticeStack } from './helpers';

/** The dispatchers wake every 3 hours of the test server's clock: a skip of days wakes them a few dozen times, not millions. */
const POLL_MS = hours(3);
const INPUT: NoticeDispatcherInput = { pollIntervalMs: POLL_MS, batchSize: 10, timeBudgetMs: 2000, iterationsPerRun: 500 };

const dispatchers: string[] = [];
/** The addresses that refuse twice before they accept, set once the applications are filed. */
const flaky = { email: '', smsKey: '' };

// Two workers, as two worker processes would be: the applications' queue, and a queue of its own
// for the second dispatcher (one process may run one worker per queue). Both deliver.
const stack = useNoticeStack({
  queues: () => [APPLICATION_TASK_QUEUE, uniqueId('notices')],
  seed: seedDevelopment,
  refuseRcpt: (address, n) => (address === flaky.email && n <= 2 ? smtpReply(451, 'try again later') : undefined),
  smsStatus: (req, n) => (flaky.smsKey && req.clientMessageId.startsWith(flaky.smsKey) && n <= 2 ? 503 : 200),
  beforeStop: async ({ env }) => {
    for (const id of dispatchers) await terminateWhenIdle(env.client.workflow.getHandle(id)).catch(() => undefined);
  },
});

beforeAll(async () => {
  for (const { taskQueue } of stack.workers) {
    const workflowId = uniqueId('notice-dispatcher');
    expect(await startNoticeDispatcher(stack.env.client, INPUT, { workflowId, taskQueue })).toBe(true);
    dispatchers.push(workflowId);
  }
});

interface Row {
  id: string;
  idempotency_key: string;
  kind: NoticeKind;
  channel: 'email' | 'sms';
  recipient: string;
  language: Language;
  payload: NoticeContent;
  state: string;
  attempts: number;
  message_id: string | null;
}

const rowsOf = (number: string): Promise<Row[]> => stack.db('notices').where({ application_number: number }).orderBy('id');

/** Lets the dispatchers wake (one poll of the clock) and waits until every notice of the applications went out. */
async function delivered(numbers: string[]): Promise<Row[]> {
  await stack.env.sleep(POLL_MS + 1000);
  return eventually(
    async () => (await Promise.all(numbers.map(rowsOf))).flat(),
    (rows) => rows.length > 0 && rows.every((r) => r.state === 'sent'),
    { expect: 'every notice of the applications sent', timeoutMs: 15_000 },
  );
}

/** Sets the application's language of correspondence, as the applicant's change-language action does. */
async function writeIn(started: Started, language: Language) {
  await stack.db('applications').where({ number: started.filing.number }).update({ language });
}

describe('R9.1 every notice by e-mail and SMS, in the application’s language, exactly once', () => {
  it('R9.1 R4.4 R5.1 R5.2 R5.3 R5.4 R7.1 two lifecycles, two dispatchers, an address and a phone failing twice first', async () => {
    const regionCode = await buildRegion(stack.db);
    const enrolled = await startApplication(stack.env, stack.db, { regionCode });
    const removed = await startApplication(stack.env, stack.db, { regionCode });
    await untilIdle(enrolled.handle);
    await untilIdle(removed.handle);
    await writeIn(enrolled, 'kk');
    await writeIn(removed, 'ru');
    flaky.email = removed.filing.contacts.email;
    flaky.smsKey = `${enrolled.filing.number}:`;
    const numbers = [enrolled.filing.number, removed.filing.number];

    // The first: offered, chooses, gets the "deadline near" notice, arrives: enrolled.
    const place = await buildPlace(stack.db, { regionCode, groupYear: enrolled.filing.groupYear, seats: 3 });
    const issued = await issueReferral(stack.env, stack.db, enrolled, place.placeId);
    await delivered(numbers);
    const deadline = Date.parse(issued.deadlines.referralDeadline!);
    await skipTo(stack.env, deadline - hours(6)); // past 09:00 of the last working day
    await eventually(() => rowsOf(enrolled.filing.number), (r) => r.some((n) => n.kind === 'deadline_near'), 'the deadline-near notice queued');
    await enrolled.handle.executeUpdate(registerArrivalUpdate, { args: [{ ...request(enrolled), kindergartenId: place.kindergartenId }] });
    await finished(enrolled.handle, 'the enrolled application completed');

    // The second: two referrals left to expire — annulled with a stop-list, then removed.
    const other = await buildPlace(stack.db, { regionCode, groupYear: removed.filing.groupYear, seats: 2 });
    let referral = await issueReferral(stack.env, stack.db, removed, other.placeId);
    await skipTo(stack.env, Date.parse(referral.deadlines.referralDeadline!) + hours(1));
    const annulled = await waitForState(removed.handle, (s) => s.statusCause === 'referral_annulled');
    await skipTo(stack.env, Date.parse(annulled.deadlines.stopListUntil!) + hours(1));
    await waitForState(removed.handle, (s) => s.statusCause === 'stop_list_ended');
    await offerPlaces(stack.env, stack.db, removed, [other.placeId]);
    referral = await removed.handle.executeUpdate(chooseKindergartenUpdate, { args: [{ ...request(removed), placeId: other.placeId }] });
    await skipTo(stack.env, Date.parse(referral.deadlines.referralDeadline!) + hours(1));
    await finished(removed.handle, 'the application removed after its second expired referral');

    const rows = await delivered(numbers);
    const kinds = (number: string, channel: 'email' | 'sms', recipient: string) =>
      rows.filter((r) => r.idempotency_key.startsWith(`${number}:`) && r.channel === channel && r.recipient === recipient).map((r) => r.kind);
    const enrolledKinds = ['turn_arrived', 'referral_issued', 'deadline_near', 'enrolled'];
    const removedKinds = ['turn_arrived', 'referral_issued', 'deadline_near', 'referral_annulled', 'stop_list_ended', 'turn_arrived', 'referral_issued', 'deadline_near', 'removed'];
    for (const [started, expected] of [[enrolled, enrolledKinds], [removed, removedKinds]] as const) {
      expect(kinds(started.filing.number, 'email', started.filing.contacts.email)).toEqual(expected);
      expect(kinds(started.filing.number, 'sms', started.filing.contacts.phone)).toEqual(expected);
    }

    // Exactly once per recipient: one accepted e-mail per row, by its Message-ID, and one accepted SMS per row.
    const emailRows = rows.filter((r) => r.channel === 'email');
    const mailed = stack.smtp.received.filter((m) => emailRows.some((r) => r.message_id === m.messageId));
    expect(mailed).toHaveLength(emailRows.length);
    expect(new Set(mailed.map((m) => m.messageId)).size).toBe(emailRows.length);
    const smsRows = rows.filter((r) => r.channel === 'sms');
    const texted = stack.sms.accepted.filter((s) => smsRows.some((r) => r.idempotency_key === s.clientMessageId));
    expect(texted).toHaveLength(smsRows.length);
    expect(new Set(texted.map((s) => s.clientMessageId)).size).toBe(smsRows.length);

    // In the application's language, as the templates render the content fixed at the event.
    for (const row of rows) {
      expect(row.language).toBe(row.idempotency_key.startsWith(`${enrolled.filing.number}:`) ? 'kk' : 'ru');
      const rendered = renderNotice(row.kind, row.language, row.payload);
      if (row.channel === 'email') {
        const mail = mailed.find((m) => m.messageId === row.message_id)!;
        const to = (Array.isArray(mail.to) ? mail.to : [mail.to]).map((a) => a?.text).join(', ');
        expect([row.kind, mail.subject, to]).toEqual([row.kind, rendered.subject, row.recipient]);
      } else {
        const text = texted.find((s) => s.clientMessageId === row.idempotency_key)!;
        expect([row.kind, text.recipient, text.text]).toEqual([row.kind, row.recipient, rendered.sms]);
      }
    }

    // The flaky address refused its first two deliveries (the first notice took three attempts);
    // the gateway refused every SMS of the first application twice before it accepted it, once.
    expect(stack.smtp.rcptCount(flaky.email)).toBe(removedKinds.length + 2);
    // Which notices met the two refusals depends on which of a batch's sends came first: two extra attempts in all.
    const flakyAttempts = rows.filter((r) => r.channel === 'email' && r.recipient === flaky.email).map((r) => r.attempts);
    expect([flakyAttempts.length, flakyAttempts.reduce((a, b) => a + b, 0)]).toEqual([removedKinds.length, removedKinds.length + 2]);
    expect(stack.sms.requests.filter((s) => s.clientMessageId.startsWith(flaky.smsKey))).toHaveLength(enrolledKinds.length * 3);
    expect(rows.filter((r) => r.channel === 'sms' && r.idempotency_key.startsWith(flaky.smsKey)).map((r) => r.attempts)).toEqual(enrolledKinds.map(() => 3));
  });
});
