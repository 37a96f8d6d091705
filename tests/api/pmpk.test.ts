import type { ApplicationFiling } from '../../contracts/application';
import type { applicationWorkflow } from '../../workflows/application';
import { startApi, type Answer, type ApiHarness } from '../helpers/api';
import { buildFamily, buildStaff, type Family } from '../helpers/factories';
import { signedAction } from '../helpers/pki';
import { buildRegion, offerPlaces } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

/** A member of staff of `role`; ПМПК staff work at a district's ПМПК. */
async function staffOf(role: 'pmpk_staff' | 'kindergarten_staff', regionCode: string, opts: { district?: string; kindergartenId?: number } = {}) {
  const iin = await buildStaff(api.db, { role, regionCode, kindergartenId: opts.kindergartenId });
  if (opts.district) await api.db('staff').where({ iin, role }).update({ district: opts.district });
  const { organisation_bin: organisationBin } = await api.db('staff').where({ iin, role }).first('organisation_bin');
  return { iin, organisationBin: organisationBin as string };
}

/** R8.3: POST …/examination signed as `staff` with their employee certificate (or, with `individual`, their own). */
async function recordExamination(staff: { iin: string; organisationBin: string }, number: string, fields: Record<string, unknown>, opts: { individual?: boolean } = {}): Promise<Answer> {
  const body = await signedAction(staff.iin, 'recordExamination', { applicationNumber: number, ...fields }, opts.individual ? undefined : { organisationBin: staff.organisationBin });
  return api.request('POST', `/api/v1/pmpk/applications/${encodeURIComponent(number)}/examination`, { iin: staff.iin, body });
}

/** A correctional kindergarten of the region with a place for speech disorders (R8.1). */
async function correctionalPlace(regionCode: string, groupYear: number) {
  const [kg] = await api.db('kindergartens')
    .insert({ region_code: regionCode, name_ru: 'Коррекционный сад № 3', name_kk: '№ 3 түзету бақшасы', kind: 'correctional', address: 'ул. Сатпаева, 3' })
    .returning('id');
  const [place] = await api.db('places')
    .insert({ kindergarten_id: kg.id, group_year: groupYear, language: 'ru', place_type: 'general', need_category: 'speech', total: 2, free: 2, released_on: '2026-11-24' })
    .returning('id');
  return { kindergartenId: kg.id as number, placeId: place.id as number };
}

/** Files a correctional application (speech) and takes the referral a correctional place offers it. */
async function correctionalReferral(regionCode: string): Promise<{ family: Family; number: string; kindergartenId: number }> {
  const family = await buildFamily(api.db, { childBirthDate: '2022-03-03' });
  const filed = await api.file(family, { regionCode, queueType: 'correctional', needCategory: 'speech' });
  expect(filed.status).toBe(201);
  const number: string = filed.body.number;
  const { kindergartenId, placeId } = await correctionalPlace(regionCode, filed.body.groupYear);
  const handle = api.env.client.workflow.getHandle<typeof applicationWorkflow>(number);
  await offerPlaces(api.env, api.db, { filing: { regionCode } as ApplicationFiling, handle }, [placeId]);
  const chosen = await api.act(family.parentIin, number, 'choose-kindergarten', { placeId });
  expect([chosen.status, chosen.body.status]).toEqual([200, 'referral_issued']);
  return { family, number, kindergartenId };
}

describe('R8.3 ПМПК staff record the examination of a correctional referral (API)', () => {
  let regionCode: string;
  let pmpk: { iin: string; organisationBin: string };
  let elsewhere: { iin: string; organisationBin: string };
  beforeAll(async () => {
    regionCode = await buildRegion(api.db);
    pmpk = await staffOf('pmpk_staff', regionCode, { district: 'Алмалинский район' });
    elsewhere = await staffOf('pmpk_staff', await buildRegion(api.db), { district: 'Есильский район' });
  });

  it('R8.3 the region’s ПМПК sees the referral awaiting examination with its deadline; another region’s does not', async () => {
    const { family, number } = await correctionalReferral(regionCode);
    const card = await api.request('GET', `/api/v1/applications/${number}`, { iin: family.parentIin });
    expect(card.body.examination).toEqual({ dueAt: expect.any(String), examinedAt: null, conclusion: null, district: null });

    const view = await api.request('GET', '/api/v1/pmpk/referrals', { iin: pmpk.iin });
    expect(view.status).toBe(200);
    expect(view.body.referrals).toEqual([
      expect.objectContaining({
        applicationNumber: number,
        examinationDueAt: card.body.examination.dueAt,
        needCategory: { code: 'speech', nameRu: expect.any(String), nameKk: expect.any(String) },
        kindergarten: expect.objectContaining({ nameRu: 'Коррекционный сад № 3' }),
      }),
    ]);
    const theirs = await api.request('GET', '/api/v1/pmpk/referrals', { iin: elsewhere.iin });
    expect(theirs.body.referrals.map((r: { applicationNumber: string }) => r.applicationNumber)).not.toContain(number);
  });

  it('R8.3 another region’s ПМПК cannot record it: 404 exactly as for a missing application; parents and kindergarten staff are refused (403); nothing is recorded', async () => {
    const { family, number, kindergartenId } = await correctionalReferral(regionCode);
    const kindergarten = await staffOf('kindergarten_staff', regionCode, { kindergartenId });

    const otherRegion = await recordExamination(elsewhere, number, { conclusion: 'confirmed' });
    const missing = await recordExamination(elsewhere, `${number.slice(0, -8)}999999.1`, { conclusion: 'confirmed' });
    expect([otherRegion.status, otherRegion.body.code]).toEqual([404, 'NOT_FOUND']);
    expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);

    const parent = await api.request('POST', `/api/v1/pmpk/applications/${number}/examination`, {
      iin: family.parentIin,
      body: await signedAction(family.parentIin, 'recordExamination', { applicationNumber: number, conclusion: 'confirmed' }),
    });
    expect([parent.status, parent.body.code]).toEqual([403, 'FORBIDDEN']);
    const kgStaff = await recordExamination(kindergarten, number, { conclusion: 'confirmed' });
    expect([kgStaff.status, kgStaff.body.code]).toEqual([403, 'FORBIDDEN']);
    // Staff sign with their employer's certificate, as they logged in; their own individual one does not do.
    const asIndividual = await recordExamination(pmpk, number, { conclusion: 'confirmed' }, { individual: true });
    expect([asIndividual.status, asIndividual.body.code]).toEqual([403, 'FORBIDDEN']);

    expect(await api.db('examinations').where({ application_number: number })).toEqual([]);
    const card = await api.request('GET', `/api/v1/applications/${number}`, { iin: family.parentIin });
    expect(card.body).toMatchObject({ status: 'referral_issued', examination: { conclusion: null } });
  });

  it('R8.3 other_category names the category found; without it the request is refused and changes nothing', async () => {
    const { family, number } = await correctionalReferral(regionCode);
    const bare = await recordExamination(pmpk, number, { conclusion: 'other_category' });
    expect([bare.status, bare.body.code, bare.body.field]).toEqual([400, 'INVALID_EXAMINATION', 'needCategory']);
    const unknown = await recordExamination(pmpk, number, { conclusion: 'other_category', needCategory: 'no_such_category' });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'UNKNOWN_NEED_CATEGORY']);
    const stray = await recordExamination(pmpk, number, { conclusion: 'confirmed', needCategory: 'speech' });
    expect([stray.status, stray.body.code]).toEqual([400, 'INVALID_EXAMINATION']);
    expect(await api.db('examinations').where({ application_number: number })).toEqual([]);
    const card = await api.request('GET', `/api/v1/applications/${number}`, { iin: family.parentIin });
    expect(card.body).toMatchObject({ status: 'referral_issued', examination: { conclusion: null, dueAt: expect.any(String) } });
  });

  it('R8.3 R1.2 a confirmed examination is a signed action kept as evidence; the card shows it with the district; the ПМПК lists it; registration follows', async () => {
    const { family, number, kindergartenId } = await correctionalReferral(regionCode);
    const recorded = await recordExamination(pmpk, number, { conclusion: 'confirmed' });
    expect(recorded.status).toBe(200);
    expect(recorded.body).toMatchObject({ applicationNumber: number, status: 'referral_issued', referralDeadline: expect.any(String) });

    const card = await api.request('GET', `/api/v1/applications/${number}`, { iin: family.parentIin });
    expect(card.body.examination).toEqual({ dueAt: null, examinedAt: expect.any(String), conclusion: 'confirmed', district: 'Алмалинский район' });
    // R1.2: the history event carries the signed document, signed by the ПМПК staff member's employee certificate.
    const event = card.body.history.find((e: { cause: string }) => e.cause === 'examination_confirmed');
    expect(event).toMatchObject({ actor: pmpk.iin, signedDocumentId: expect.any(Number) });
    const doc = await api.db('signed_documents').where({ id: event.signedDocumentId }).first();
    expect(doc).toMatchObject({ action: 'recordExamination', application_number: number, signer_iin: pmpk.iin });
    const evidence = await api.request('GET', `/api/v1/applications/${number}/signed-documents/${event.signedDocumentId}`, { iin: family.parentIin });
    expect(evidence.body).toContain('<recordExamination');
    expect(evidence.body).toContain('<conclusion>confirmed</conclusion>');
    const row = await api.db('examinations').where({ application_number: number }).first();
    expect(row).toMatchObject({ district: 'Алмалинский район', examiner_iin: pmpk.iin, conclusion: 'confirmed', signed_document_id: String(event.signedDocumentId) });

    const mine = await api.request('GET', '/api/v1/pmpk/examinations', { iin: pmpk.iin });
    expect(mine.body.examinations).toContainEqual(expect.objectContaining({ applicationNumber: number, conclusion: 'confirmed', district: 'Алмалинский район', signedDocumentId: event.signedDocumentId }));
    const theirs = await api.request('GET', '/api/v1/pmpk/examinations', { iin: elsewhere.iin });
    expect(theirs.body.examinations).toEqual([]);
    const awaiting = await api.request('GET', '/api/v1/pmpk/referrals', { iin: pmpk.iin });
    expect(awaiting.body.referrals.map((r: { applicationNumber: string }) => r.applicationNumber)).not.toContain(number);

    // Examined once: a second record is the workflow's typed refusal.
    const again = await recordExamination(pmpk, number, { conclusion: 'not_needed' });
    expect([again.status, again.body.code]).toEqual([409, 'NO_EXAMINATION_PENDING']);

    const kindergarten = await staffOf('kindergarten_staff', regionCode, { kindergartenId });
    const arrival = await api.request('POST', '/api/v1/staff/arrivals', { iin: kindergarten.iin, body: { applicationNumber: number } });
    expect([arrival.status, arrival.body.status]).toEqual([200, 'enrolled']);
  });
});
