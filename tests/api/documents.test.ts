import type { ApplicationFiling } from '../../contracts/application';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, type Family } from '../helpers/factories';
import { buildPlace, offerPlaces } from '../helpers/lifecycle';
import { renderActivity, sha256, stubRenderer } from '../documents/helpers';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const documentsPath = (number: string) => `/api/v1/applications/${number}/documents`;

/** What the documents worker would do: render every waiting document (the stub's PDFs). */
const renderWaiting = () => renderActivity(api.db, stubRenderer())(100);

/** A raw download: the PDF's bytes are not text. */
async function download(iin: string, number: string, id: number) {
  const res = await fetch(`${api.baseUrl}${documentsPath(number)}/${id}`, { headers: { authorization: `Bearer ${await api.login(iin)}` } });
  const type = res.headers.get('content-type') ?? '';
  return { res, bytes: Buffer.from(await res.arrayBuffer()), type };
}

async function filed(fields: Record<string, unknown> = {}): Promise<{ family: Family; number: string }> {
  const family = await buildFamily(api.db, { childBirthDate: '2022-05-05' });
  const res = await api.file(family, fields);
  expect(res.status).toBe(201);
  return { family, number: res.body.number };
}

describe('the documents tab and the documents (R2.4, R3.3, R5.1, R9.2)', () => {
  it('R2.4 R3.3 lists the three filing documents at once, with titles in both languages; while one is being made its download answers 202 DOCUMENT_NOT_READY with Retry-After', async () => {
    const { family, number } = await filed({ language: 'kk' });
    const list = await api.request('GET', documentsPath(number), { iin: family.parentIin });
    expect(list.status).toBe(200);
    expect(list.body.number).toBe(number);
    expect(list.body.documents.map((d: any) => d.kind)).toEqual(['registration_notice', 'receipt_notice', 'register_entry']);
    expect(list.body.documents[0]).toMatchObject({
      language: 'kk',
      state: 'rendering',
      title: { ru: 'Уведомление о регистрации', kk: 'Тіркеу туралы хабарлама' },
      sha256: null,
      renderedAt: null,
      verificationCode: expect.stringMatching(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/),
    });
    const waiting = await api.request('GET', `${documentsPath(number)}/${list.body.documents[0].id}`, { iin: family.parentIin });
    expect(waiting.status).toBe(202);
    expect(waiting.type).toContain('application/problem+json');
    expect(waiting.body).toMatchObject({ status: 202, code: 'DOCUMENT_NOT_READY', retryAfterSeconds: expect.any(Number) });
    const raw = await download(family.parentIin, number, list.body.documents[0].id);
    expect(Number(raw.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(2);
  });

  it('R9.2 once made, a download gives the PDF under its title and number, and a second download the same bytes', async () => {
    const { family, number } = await filed({ language: 'ru' });
    await renderWaiting();
    const [doc] = (await api.request('GET', documentsPath(number), { iin: family.parentIin })).body.documents;
    expect(doc).toMatchObject({ state: 'ready', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), renderedAt: expect.any(String) });
    const first = await download(family.parentIin, number, doc.id);
    expect(first.res.status).toBe(200);
    expect(first.type).toBe('application/pdf');
    expect(first.bytes.subarray(0, 8).toString()).toBe('%PDF-1.4');
    expect(first.bytes.toString()).toContain(doc.verificationCode);
    expect(sha256(first.bytes)).toBe(doc.sha256);
    expect(first.res.headers.get('etag')).toBe(`"${doc.sha256}"`);
    const disposition = first.res.headers.get('content-disposition')!;
    expect(disposition).toContain(`filename="registration_notice-${number}-ru.pdf"`);
    expect(decodeURIComponent(disposition.split("filename*=UTF-8''")[1]!)).toBe(`Уведомление о регистрации ${number}.pdf`);
    // The documents worker may render again what it pleases: a made document is never made again.
    await renderWaiting();
    const second = await download(family.parentIin, number, doc.id);
    expect(second.bytes.equals(first.bytes)).toBe(true);
  });

  it('R3.2 another person’s documents answer 404 exactly as documents of no application; a parent who attached the application sees them', async () => {
    const { family, number } = await filed();
    const stranger = await buildFamily(api.db);
    const [doc] = (await api.request('GET', documentsPath(number), { iin: family.parentIin })).body.documents;
    const missing = '75.UO.2026.999999.9';
    const theirs = await api.request('GET', documentsPath(number), { iin: stranger.parentIin });
    const none = await api.request('GET', documentsPath(missing), { iin: stranger.parentIin });
    expect([theirs.status, theirs.body.code, theirs.body.title]).toEqual([404, 'NOT_FOUND', none.body.title]);
    expect(theirs.body.detail.replace(number, missing)).toBe(none.body.detail);
    expect((await api.request('GET', `${documentsPath(number)}/${doc.id}`, { iin: stranger.parentIin })).status).toBe(404);
    expect((await api.request('POST', documentsPath(number), { iin: stranger.parentIin, body: { kind: 'registration_notice', language: 'ru' } })).status).toBe(404);
    // Someone else's document under one's own application is no document either.
    const own = await filed();
    expect((await api.request('GET', `${documentsPath(own.number)}/${doc.id}`, { iin: own.family.parentIin })).body.code).toBe('NOT_FOUND');

    await api.db('person_parents').insert({ child_iin: family.childIin, parent_iin: stranger.parentIin });
    expect((await api.request('POST', `/api/v1/applications/${number}/attach`, { iin: stranger.parentIin, body: { childIin: family.childIin } })).status).toBe(200);
    const attached = await api.request('GET', documentsPath(number), { iin: stranger.parentIin });
    expect(attached.body.documents.map((d: any) => d.id)).toContain(doc.id);
  });

  it('R9.2 the other language on request: made once from the same facts; a kind not issued is DOCUMENT_NOT_ISSUED', async () => {
    const { family, number } = await filed({ language: 'kk' });
    const ask = (body: unknown) => api.request('POST', documentsPath(number), { iin: family.parentIin, body });
    const ru = await ask({ kind: 'receipt_notice', language: 'ru' });
    expect(ru.status).toBe(200);
    expect(ru.body).toMatchObject({ kind: 'receipt_notice', language: 'ru', state: 'rendering', title: { ru: 'Извещение о приеме документов' } });
    expect((await ask({ kind: 'receipt_notice', language: 'ru' })).body.id).toBe(ru.body.id);
    const list = await api.request('GET', documentsPath(number), { iin: family.parentIin });
    const kk = list.body.documents.find((d: any) => d.kind === 'receipt_notice' && d.language === 'kk');
    expect(ru.body.issuedAt).toBe(kk.issuedAt);
    expect(list.body.documents).toHaveLength(4);
    expect(await ask({ kind: 'referral', language: 'ru' })).toMatchObject({ status: 409, body: { code: 'DOCUMENT_NOT_ISSUED' } });
    expect(await ask({ kind: 'diploma', language: 'ru' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', field: 'kind' } });
  });

  it('R9.2 a document that could not be made answers DOCUMENT_FAILED, and asking for it again queues it to be made', async () => {
    const { family, number } = await filed({ language: 'ru' });
    const [doc] = (await api.request('GET', documentsPath(number), { iin: family.parentIin })).body.documents;
    await api.db('documents').where({ id: doc.id }).update({ state: 'failed', attempts: 5, last_error: 'gave up after 5 attempts: Chromium crashed' });
    const failed = await api.request('GET', `${documentsPath(number)}/${doc.id}`, { iin: family.parentIin });
    expect([failed.status, failed.body.code]).toEqual([409, 'DOCUMENT_FAILED']);
    expect(failed.body.detail).not.toContain('Chromium');
    const asked = await api.request('POST', documentsPath(number), { iin: family.parentIin, body: { kind: doc.kind, language: 'ru' } });
    expect(asked.body).toMatchObject({ id: doc.id, state: 'rendering' });
    expect(await api.db('documents').where({ id: doc.id }).first('attempts')).toEqual({ attempts: 0 });
  });

  it('R5.1 R9.2 R11 anyone checks a referral’s code — with or without separators, in any case — and learns its kind, number, date and kindergarten, nothing personal', async () => {
    const { family, number } = await filed({ language: 'ru' });
    const { placeId, kindergartenId } = await buildPlace(api.db, { regionCode: 'almaty', groupYear: 2022 });
    const started = { filing: { regionCode: 'almaty' } as ApplicationFiling, handle: api.env.client.workflow.getHandle(number) };
    await offerPlaces(api.env, api.db, started, [placeId]);
    expect((await api.act(family.parentIin, number, 'choose-kindergarten', { placeId })).status).toBe(200);
    await renderWaiting();
    const list = await api.request('GET', documentsPath(number), { iin: family.parentIin });
    expect(list.body.documents.map((d: any) => d.kind)).toEqual(['registration_notice', 'receipt_notice', 'register_entry', 'child_card', 'referral']);
    const referral = list.body.documents.find((d: any) => d.kind === 'referral');
    const kindergarten = await api.db('kindergartens').where({ id: kindergartenId }).first();

    const printed: string = referral.verificationCode;
    for (const code of [printed, printed.replace(/-/g, '').toLowerCase(), printed.replace(/-/g, ' ')]) {
      const res = await api.request('GET', `/api/v1/public/documents/${encodeURIComponent(code)}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        verificationCode: printed,
        kind: 'referral',
        title: { ru: 'Направление в ДДО', kk: 'Мектепке дейінгі ұйымға жолдама' },
        language: 'ru',
        registrationNumber: number,
        issuedAt: referral.issuedAt,
        kindergarten: kindergarten.name_ru,
        sha256: referral.sha256,
      });
      const child = await api.db('persons').where({ iin: family.childIin }).first();
      for (const personal of [family.childIin, family.parentIin, child.last_name, 'p@example.kz']) expect(JSON.stringify(res.body)).not.toContain(personal);
    }
    const unknown = await api.request('GET', '/api/v1/public/documents/0000-0000-0000-0000-0000');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
    expect((await api.request('GET', '/api/v1/public/documents/UUUU-UUUU-UUUU-UUUU-UUUU')).status).toBe(404);
    expect((await api.request('GET', '/api/v1/public/documents/123')).status).toBe(400);
  });
});
