import { createHash, randomInt, randomUUID } from 'node:crypto';
import { offerPlacesSignal } from '../../contracts/application';
import { makeIin } from '../../db/seeds/iin';
import { startApi, type Answer, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff, type Family } from '../helpers/factories';
import { buildPlace, buildRegion, eventually, issueReferral, startApplication } from '../helpers/lifecycle';
import { signedAction } from '../helpers/pki';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

/** Another child of the same parent, as the registry links them (R3.2). */
async function childOf(parentIin: string, birthDate: string): Promise<Family> {
  for (;;) {
    const iin = makeIin(birthDate, 'male', randomInt(0, 10_000));
    const inserted = await api.db('persons').insert({ iin, last_name: 'Ребёнок', first_name: 'Тест', birth_date: birthDate, sex: 'male' }).onConflict('iin').ignore().returning('iin');
    if (!inserted.length) continue;
    await api.db('person_parents').insert({ child_iin: iin, parent_iin: parentIin });
    return { parentIin, childIin: iin, childBirthDate: birthDate };
  }
}

async function fileIn(family: Family, regionCode = 'almaty', fields: Record<string, unknown> = {}): Promise<Answer> {
  const res = await api.file(family, { regionCode, childIin: family.childIin, contacts: { email: 'parent@example.kz', phone: '+77011234567' }, ...fields });
  expect(res.status).toBe(201);
  return res;
}

/** A GET with the person's session, with the answer's headers (the Link of a page). */
async function getWithHeaders(token: string, path: string) {
  const res = await fetch(api.baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', link: res.headers.get('link'), body: (await res.json()) as any };
}

const journal = (iin: string, query = '') => api.request('GET', `/api/v1/applications${query}`, { iin });
const cardOf = (iin: string, number: string) => api.request('GET', `/api/v1/applications/${number}`, { iin });

describe('R3.1 the journal', () => {
  it('R3.1 lists every column with its exact value: names, IINs, queue numbers (null once out of the queue), applicant, dates, status with its cause in kk and ru, benefit', async () => {
    const regionCode = await buildRegion(api.db);
    const first = await buildFamily(api.db, { childBirthDate: '2023-03-10' });
    const second = await childOf(first.parentIin, '2023-05-20');
    const third = await childOf(first.parentIin, '2023-07-30');
    const filed = [];
    for (const f of [first, second, third]) filed.push((await fileIn(f, regionCode)).body);
    const left = await api.act(first.parentIin, filed[1].number, 'leave-queue');
    expect([left.status, left.body.status]).toEqual([200, 'removed']);

    const res = await journal(first.parentIin);
    expect(res.status).toBe(200);
    const row = (f: Family, number: string, registeredAt: string) => ({
      number,
      regionCode,
      queueType: 'general',
      childIin: f.childIin,
      child: { iin: f.childIin, lastName: 'Ребёнок', firstName: 'Тест', middleName: null, birthDate: f.childBirthDate },
      applicant: { iin: first.parentIin, lastName: 'Родитель', firstName: 'Тест', middleName: null },
      benefitCategory: 'none',
      registeredAt,
      filedByMe: true,
    });
    const queued = { status: 'queued', statusLabel: { ru: 'В очереди', kk: 'Кезекте' }, statusCause: 'filed', statusCauseLabel: { ru: 'Заявление зарегистрировано', kk: 'Өтініш тіркелді' } };
    expect(res.body).toEqual({
      applications: [
        // Newest first; the one that left no longer counts, so the third is now second in the queue.
        { ...row(third, filed[2].number, filed[2].registeredAt), ...queued, queueNumber: 2, queueNumberInCategory: 2 },
        {
          ...row(second, filed[1].number, filed[1].registeredAt),
          status: 'removed',
          statusLabel: { ru: 'Снят с очереди', kk: 'Кезектен алынды' },
          statusCause: 'left_queue',
          statusCauseLabel: { ru: 'Снят с очереди по заявлению', kk: 'Өтініш бойынша кезектен алынды' },
          queueNumber: null,
          queueNumberInCategory: null,
        },
        { ...row(first, filed[0].number, filed[0].registeredAt), ...queued, queueNumber: 1, queueNumberInCategory: 1 },
      ],
      next: null,
    });
    // The journal's numbers are the card's.
    const card = await cardOf(first.parentIin, filed[2].number);
    expect([card.body.queueNumber, card.body.queueNumberInCategory]).toEqual([2, 2]);
  });

  it('R3.1 pages: limit 0 and 101 are refused as problems; all pages walked by `next` and by the Link header give every application once, newest first', async () => {
    const parent = await buildFamily(api.db, { childBirthDate: '2024-01-15' });
    const families = [parent];
    for (let i = 0; i < 4; i++) families.push(await childOf(parent.parentIin, `2024-0${i + 2}-15`));
    for (const f of families) await fileIn(f);
    const expected = (
      await api.db('applications').where({ applicant_iin: parent.parentIin }).orderBy([{ column: 'registered_at', order: 'desc' }, { column: 'number', order: 'desc' }]).select('number')
    ).map((r) => r.number);
    expect(expected).toHaveLength(5);

    for (const limit of ['0', '101', 'x']) {
      const refused = await journal(parent.parentIin, `?limit=${limit}`);
      expect([refused.status, refused.type, refused.body.code]).toEqual([400, expect.stringContaining('application/problem+json'), 'VALIDATION_FAILED']);
    }
    const whole = await journal(parent.parentIin, '?limit=100');
    expect([whole.body.applications.map((a: any) => a.number), whole.body.next]).toEqual([expected, null]);
    const byDefault = await journal(parent.parentIin);
    expect(byDefault.body.applications).toHaveLength(5);

    const token = await api.login(parent.parentIin);
    const seen: string[] = [];
    let path: string | null = '/api/v1/applications?limit=2';
    const sizes: number[] = [];
    while (path) {
      const page = await getWithHeaders(token, path);
      expect(page.status).toBe(200);
      seen.push(...page.body.applications.map((a: any) => a.number));
      sizes.push(page.body.applications.length);
      if (page.body.next === null) {
        expect(page.link).toBeNull();
        path = null;
      } else {
        // The Link names this request with the next page's cursor.
        expect(page.link).toBe(`</api/v1/applications?limit=2&cursor=${page.body.next}>; rel="next"`);
        path = /^<([^>]+)>/.exec(page.link!)![1]!;
      }
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(expected);

    const bad = await journal(parent.parentIin, `?cursor=${Buffer.from('2026-01-01T00:00:00.000000Z|42').toString('base64url')}`);
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const garbage = await journal(parent.parentIin, '?cursor=%21%21');
    expect([garbage.status, garbage.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('R3.2 another parent sees none of it; a parent who attaches the application sees it, not as filed by them', async () => {
    const owner = await buildFamily(api.db);
    const { body } = await fileIn(owner);
    const stranger = await buildFamily(api.db);
    expect((await journal(stranger.parentIin)).body).toEqual({ applications: [], next: null });
    expect((await cardOf(stranger.parentIin, body.number)).status).toBe(404);

    // The child's other parent, as the registry lists them, attaches it.
    const other = await buildFamily(api.db);
    await api.db('person_parents').insert({ child_iin: owner.childIin, parent_iin: other.parentIin });
    const attached = await api.request('POST', `/api/v1/applications/${body.number}/attach`, { iin: other.parentIin, body: { childIin: owner.childIin } });
    expect(attached.status).toBe(200);
    const theirs = (await journal(other.parentIin)).body.applications.map((a: any) => [a.number, a.filedByMe]);
    expect(theirs).toEqual([[body.number, false]]);
  });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1'), Buffer.alloc(500, 0x20), Buffer.from('\n%%EOF\n')]);

describe('R3.3 the card’s three tabs', () => {
  it('R3.3 information, history with each cause in words, and documents — the issued ones and the applicant’s attachment, as the documents route lists them', async () => {
    const regionCode = await buildRegion(api.db);
    const family = await buildFamily(api.db, { childBirthDate: '2023-09-01' });
    const upload = await api.upload(family.parentIin, PDF, { filename: 'benefit.pdf', type: 'application/pdf' });
    expect(upload.status).toBe(201);
    const filed = await fileIn(family, regionCode, { benefitCategory: 'first_priority', benefitDocuments: { upload: [{ id: upload.body.id, sha256: sha(PDF) }] } });
    const confirmed = await api.act(family.parentIin, filed.body.number, 'confirm-interest');
    expect(confirmed.status).toBe(200);

    const card = await cardOf(family.parentIin, filed.body.number);
    expect(card.status).toBe(200);
    // Information
    expect(card.body).toMatchObject({
      number: filed.body.number,
      region: { code: regionCode },
      queueType: 'general',
      benefitCategory: 'first_priority',
      groupYear: 2023,
      registeredAt: filed.body.registeredAt,
      status: 'queued',
      statusLabel: { ru: 'В очереди', kk: 'Кезекте' },
      statusCause: 'interest_confirmed',
      statusCauseLabel: { ru: 'Заинтересованность подтверждена', kk: 'Қызығушылық расталды' },
      queueNumber: 1,
      queueNumberInCategory: 1,
      onStopList: false,
      offer: null,
      referral: null,
      child: { iin: family.childIin, lastName: 'Ребёнок', firstName: 'Тест', middleName: null, birthDate: '2023-09-01' },
      applicant: { iin: family.parentIin, lastName: 'Родитель', firstName: 'Тест', middleName: null },
    });
    expect(card.body.deadlines.stopListUntil).toBeNull();
    // History: every change with its time and cause, in words
    expect(card.body.history.map((e: any) => [e.from, e.to, e.cause, e.causeLabel, e.actor])).toEqual([
      [null, 'queued', 'filed', { ru: 'Заявление зарегистрировано', kk: 'Өтініш тіркелді' }, 'applicant'],
      ['queued', 'queued', 'interest_confirmed', { ru: 'Заинтересованность подтверждена', kk: 'Қызығушылық расталды' }, 'applicant'],
    ]);
    expect(card.body.history[0].at).toBe(filed.body.registeredAt);
    // Documents: the same as the documents tab's own route
    const docs = await api.request('GET', `/api/v1/applications/${filed.body.number}/documents`, { iin: family.parentIin });
    expect(docs.status).toBe(200);
    expect(card.body.documents).toEqual({ issued: docs.body.documents, attachments: docs.body.attachments });
    expect(card.body.documents.issued.length).toBeGreaterThan(0);
    expect(card.body.documents.issued[0]).toMatchObject({ kind: expect.any(String), title: { ru: expect.any(String), kk: expect.any(String) }, language: 'ru' });
    expect(card.body.documents.attachments).toEqual({
      title: { ru: 'Приложения к заявлению', kk: 'Өтінішке қосымшалар' },
      files: [{ id: upload.body.id, mediaType: 'application/pdf', size: PDF.length, sha256: sha(PDF), uploadedAt: expect.any(String), attachedAt: expect.any(String) }],
    });
  });
});

/** R4.4: what the offer process sends, for `seconds` of choice window. */
async function offer(number: string, placeIds: number[], seconds: number) {
  const now = Date.now();
  await api.env.client.workflow.getHandle(number).signal(offerPlacesSignal, { offerId: randomUUID(), placeIds, offeredAt: now, windowEndsAt: now + seconds * 1000 });
  return new Date(now + seconds * 1000).toISOString();
}

describe('R3.3 R4.4 the open offer on the card', () => {
  const offeredPlace = (p: { placeId: number; kindergartenId: number }, groupYear: number) => ({
    placeId: p.placeId,
    groupYear,
    language: 'ru',
    placeType: 'general',
    free: 1,
    kindergarten: { id: p.kindergartenId, nameRu: 'Тестовый сад', nameKk: 'Сынақ бақшасы', kind: 'state', address: 'ул. Тестовая, 1', phone: null },
  });

  it('R4.4 lists the offered places while the window is open; offer null once a kindergarten is chosen', async () => {
    const regionCode = await buildRegion(api.db);
    const family = await buildFamily(api.db, { childBirthDate: '2022-04-04' });
    const { body } = await fileIn(family, regionCode);
    const a = await buildPlace(api.db, { regionCode, groupYear: 2022 });
    const b = await buildPlace(api.db, { regionCode, groupYear: 2022 });
    const windowEndsAt = await offer(body.number, [a.placeId, b.placeId], 3 * 24 * 3600);
    const card = await eventually(() => cardOf(family.parentIin, body.number), (c) => c.body.status === 'turn_notified', 'the card turn_notified after the offer');
    expect(card.body.offer).toEqual({ windowEndsAt, places: [offeredPlace(a, 2022), offeredPlace(b, 2022)] });
    expect(card.body.statusLabel).toEqual({ ru: 'Направлено уведомление', kk: 'Хабарлама жіберілді' });
    expect(card.body.statusCauseLabel).toEqual({ ru: 'Подошла очередь: направлено уведомление', kk: 'Кезек келді: хабарлама жіберілді' });

    const chosen = await api.act(family.parentIin, body.number, 'choose-kindergarten', { placeId: b.placeId });
    expect([chosen.status, chosen.body.status, chosen.body.offer]).toEqual([200, 'referral_issued', null]);
    expect(chosen.body.referral).toMatchObject({ placeId: b.placeId });
    // R5.1: the referral's documents join the documents tab.
    expect(chosen.body.documents.issued.map((d: any) => d.kind)).toEqual(expect.arrayContaining(['referral']));
  });

  it('R4.5 offer null once the window has ended without a choice', async () => {
    const regionCode = await buildRegion(api.db);
    const family = await buildFamily(api.db, { childBirthDate: '2022-04-04' });
    const { body } = await fileIn(family, regionCode);
    const place = await buildPlace(api.db, { regionCode, groupYear: 2022 });
    const windowEndsAt = await offer(body.number, [place.placeId], 4);
    const open = await eventually(() => cardOf(family.parentIin, body.number), (c) => c.body.status === 'turn_notified', 'the card turn_notified after the offer');
    expect(open.body.offer).toEqual({ windowEndsAt, places: [offeredPlace(place, 2022)] });
    const ended = await eventually(() => cardOf(family.parentIin, body.number), (c) => Date.now() > Date.parse(windowEndsAt) && c.body.offer === null, {
      expect: 'offer null after the window',
      timeoutMs: 15_000,
    });
    expect(ended.body.offer).toBeNull();
  });
});

type Signer = { iin: string; organisationBin: string };

async function operatorOf(regionCode: string): Promise<Signer> {
  const iin = await buildStaff(api.db, { role: 'operator', regionCode });
  const { organisation_bin: organisationBin } = await api.db('staff').where({ iin, role: 'operator' }).first('organisation_bin');
  return { iin, organisationBin };
}

describe('R3.4 the stop-list on the card', () => {
  it('R3.4 is shown while it lasts (a rejected benefit puts the application on it), and not once its end has passed', async () => {
    // R10.2: the operator rejects the benefit of a referral — annulled, back in the queue, on the stop-list.
    const regionCode = await buildRegion(api.db, { benefitConfirmation: 'before_referral' });
    const started = await startApplication(api.env, api.db, { regionCode, benefitCategory: 'first_priority' });
    const { placeId } = await buildPlace(api.db, { regionCode, groupYear: started.filing.groupYear });
    await issueReferral(api.env, api.db, started, placeId);
    const number = started.filing.number;
    const operator = await operatorOf(regionCode);
    const fields = { applicationNumber: number, accepted: 'false', documentIssuedOn: new Date().toISOString().slice(0, 10) };
    const rejected = await api.request('POST', `/api/v1/admin/applications/${encodeURIComponent(number)}/confirm-benefit`, {
      iin: operator.iin,
      body: await signedAction(operator.iin, 'confirmBenefitBeforeRegistration', fields, { organisationBin: operator.organisationBin }),
    });
    expect([rejected.status, rejected.body.statusCause]).toEqual([200, 'benefit_rejected']);

    const applicant = started.filing.applicantIin;
    const card = await cardOf(applicant, number);
    expect(card.body).toMatchObject({
      status: 'queued',
      onStopList: true,
      deadlines: { stopListUntil: rejected.body.stopListUntil },
      statusCauseLabel: { ru: 'Льгота не подтверждена: направление аннулировано, возврат в общую очередь', kk: 'Жеңілдік расталмады: жолдама жойылды, жалпы кезекке қайтарылды' },
    });
    expect(Date.parse(card.body.deadlines.stopListUntil)).toBeGreaterThan(Date.now());

    // The moment its end has passed, before the workflow records it, the card no longer shows it.
    await api.db('applications').where({ number }).update({ stop_list_until: new Date(Date.now() - 1000) });
    const after = await cardOf(applicant, number);
    expect([after.body.onStopList, after.body.deadlines.stopListUntil]).toEqual([false, null]);
  });
});
