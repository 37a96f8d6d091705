import type { Db } from '../../db/connection';
import { iso, isoOrNull } from '../../domain/iso';
import { audit } from '../audit';
import { Problem } from '../problems';
import { route, type AnyRoute } from '../route';
import { emailSchema, phoneSchema } from '../schemas/applications';
import { noticeParamsSchema, noticeQuerySchema, requeueNoticeSchema } from '../schemas/notices';
import { noticeAnswer, noticesAnswer } from '../schemas/responses';
import { operatorKeeps, type StaffMember } from '../staff';

/** The outbox rows an operator keeps: their region's (a national operator, every region's). */
function kept(db: Db, operator: StaffMember) {
  const q = db('notices as n').leftJoin('applications as a', 'a.number', 'n.application_number');
  return operator.regionCode === null ? q : q.where('a.region_code', operator.regionCode);
}

const COLUMNS = ['n.id', 'n.application_number', 'a.region_code', 'n.kind', 'n.channel', 'n.recipient', 'n.language', 'n.state', 'n.attempts', 'n.created_at', 'n.next_attempt_at', 'n.sent_at', 'n.last_error', 'n.failed_reason'];

const toJson = (r: Record<string, any>) => ({
  id: Number(r.id),
  applicationNumber: r.application_number,
  regionCode: r.region_code,
  kind: r.kind,
  channel: r.channel,
  recipient: r.recipient,
  language: r.language,
  state: r.state,
  attempts: r.attempts,
  createdAt: iso(r.created_at),
  nextAttemptAt: iso(r.next_attempt_at),
  sentAt: isoOrNull(r.sent_at),
  lastError: r.last_error,
  failedReason: r.failed_reason,
});

/** R9.1: operators see their region's outbox and send a failed notice again. Role: operator. */
export const NOTICE_ROUTES: AnyRoute[] = [
  route({
    operationId: 'listNotices',
    method: 'get',
    path: '/api/v1/admin/notices',
    role: 'operator',
    summary: 'R9.1: the notices of their region that wait or failed, newest first, a page at a time',
    query: noticeQuerySchema,
    ok: { status: 200, schema: noticesAnswer },
    async handle({ caller: operator, query: q }, { db }) {
      if (q.regionCode && !operatorKeeps(operator, q.regionCode)) throw new Problem('FORBIDDEN', 'this region’s notices are another operator’s');
      const rows = await kept(db, operator)
        .where('n.state', q.state)
        .modify((b) => {
          if (q.regionCode) b.where('a.region_code', q.regionCode);
          if (q.before) b.where('n.id', '<', q.before);
        })
        .orderBy('n.id', 'desc')
        .limit(q.limit + 1)
        .select(COLUMNS);
      const page = rows.slice(0, q.limit).map(toJson);
      return { notices: page, next: rows.length > q.limit ? page[page.length - 1]!.id : null };
    },
  }),
  route({
    operationId: 'requeueNotice',
    method: 'post',
    path: '/api/v1/admin/notices/:id/requeue',
    role: 'operator',
    summary: 'R9.1: send a failed notice again, to a corrected recipient if given (an e-mail address or a phone, as the channel needs)',
    params: noticeParamsSchema,
    body: requeueNoticeSchema,
    ok: { status: 200, schema: noticeAnswer },
    async handle({ caller: operator, params: { id }, body }, { db }) {
      const row = await kept(db, operator).where('n.id', id).first(COLUMNS);
      if (!row) throw new Problem('NOT_FOUND', `no notice ${id} that you keep`);
      if (row.state !== 'failed') throw new Problem('NOTICE_NOT_FAILED', `notice ${id} is ${row.state}; only a failed notice is sent again`);
      let recipient: string = row.recipient;
      if (body.recipient !== undefined) {
        const parsed = (row.channel === 'email' ? emailSchema : phoneSchema).safeParse(body.recipient);
        if (!parsed.success) throw new Problem('INVALID_CONTACT', `not ${row.channel === 'email' ? 'an e-mail address' : 'a phone number (+7 and 10 digits)'}`, { field: 'recipient', in: 'body' });
        recipient = parsed.data;
      }
      await db('notices')
        .where({ id, state: 'failed' })
        .update({ state: 'pending', recipient, attempts: 0, next_attempt_at: db.fn.now(), lease_until: null, claimed_by: null, failed_reason: null });
      audit('notice_requeued', { iin: operator.iin, notice: id, recipientChanged: recipient !== row.recipient });
      return toJson(await kept(db, operator).where('n.id', id).first(COLUMNS));
    },
  }),
];
