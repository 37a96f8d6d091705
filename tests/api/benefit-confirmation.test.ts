import { almatyDate, addDays } from '../../domain/almaty-time';
import type { BenefitConfirmation } from '../../domain/rule-settings';
import { startApi, type Answer, type ApiHarness } from '../helpers/api';
import { buildStaff } from '../helpers/factories';
import { signedAction } from '../helpers/pki';
import { buildPlace, buildRegion, issueReferral, startApplication } from '../helpers/lifecycle';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

type Signer = { iin: string; organisationBin: string };

async function staffOf(role: 'kindergarten_staff' | 'operator', regionCode: string, kindergartenId?: number): Promise<Signer> {
  const iin = await buildStaff(api.db, { role, regionCode, kindergartenId });
  const { organisation_bin: organisationBin } = await api.db('staff').where({ iin, role }).first('organisation_bin');
  return { iin, organisationBin };
}

/** POST …/confirm-benefit as `signer` (staff or admin path), signed with their employee certificate. */
async function confirm(path: 'staff' | 'admin', signer: Signer, number: string, fields: Record<string, unknown>): Promise<Answer> {
  const action = path === 'staff' ? 'confirmBenefitAtEnrolment' : 'confirmBenefitBeforeRegistration';
  const body = await signedAction(signer.iin, action, { applicationNumber: number, ...fields }, { organisationBin: signer.organisationBin });
  return api.request('POST', `/api/v1/${path}/applications/${encodeURIComponent(number)}/confirm-benefit`, { iin: signer.iin, body });
}

/** A first-priority application holding a referral, in a region of its own with the given mode, with its kindergarten's staff and the region's operator. */
async function benefitReferral(mode: BenefitConfirmation) {
  const regionCode = await buildRegion(api.db, { benefitConfirmation: mode });
  const started = await startApplication(api.env, api.db, { regionCode, benefitCategory: 'first_priority' });
  const { placeId, kindergartenId } = await buildPlace(api.db, { regionCode, groupYear: started.filing.groupYear });
  const state = await issueReferral(api.env, api.db, started, placeId);
  return {
    number: started.filing.number,
    referralDay: almatyDate(Date.parse(state.referral!.issuedAt)),
    staff: await staffOf('kindergarten_staff', regionCode, kindergartenId),
    operator: await staffOf('operator', regionCode),
  };
}

describe('R5.7 R10.2 confirming a benefit referral’s benefit (API)', () => {
  it('R5.7 at_enrolment: the kindergarten’s staff accept a document 10 days older than the referral; the operator is refused (403); staff of another kindergarten see 404', async () => {
    const { number, referralDay, staff, operator } = await benefitReferral('at_enrolment');
    const byOperator = await confirm('admin', operator, number, { accepted: 'true', documentIssuedOn: referralDay });
    expect([byOperator.status, byOperator.body.code]).toEqual([403, 'BENEFIT_CONFIRMED_BY_OTHER_ROLE']);
    const region = (await api.db('applications').where({ number }).first('region_code')).region_code;
    const { kindergartenId: otherKg } = await buildPlace(api.db, { regionCode: region, groupYear: 2022 });
    const stranger = await confirm('staff', await staffOf('kindergarten_staff', region, otherKg), number, { accepted: 'true', documentIssuedOn: referralDay });
    expect(stranger.status).toBe(404);
    const bad = await confirm('staff', staff, number, { accepted: 'yes', documentIssuedOn: referralDay });
    expect(bad.status).toBe(400);

    const early = await api.request('POST', '/api/v1/staff/arrivals', { iin: staff.iin, body: { applicationNumber: number } });
    expect([early.status, early.body.code]).toEqual([409, 'BENEFIT_NOT_CONFIRMED']);
    const ok = await confirm('staff', staff, number, { accepted: 'true', documentIssuedOn: addDays(referralDay, -10) });
    expect([ok.status, ok.body]).toEqual([200, expect.objectContaining({ status: 'referral_issued', statusCause: 'benefit_confirmed', benefitCategory: 'first_priority', stopListUntil: null })]);
    const arrived = await api.request('POST', '/api/v1/staff/arrivals', { iin: staff.iin, body: { applicationNumber: number } });
    expect([arrived.status, arrived.body.status]).toEqual([200, 'enrolled']);
  });

  it('R10.2 before_referral: the operator rejects — annulled, stop-list, category none; staff are refused; another region’s operator sees 404', async () => {
    const { number, referralDay, staff, operator } = await benefitReferral('before_referral');
    const byStaff = await confirm('staff', staff, number, { accepted: 'true', documentIssuedOn: referralDay });
    expect([byStaff.status, byStaff.body.code]).toEqual([403, 'BENEFIT_CONFIRMED_BY_OTHER_ROLE']);
    const foreign = await confirm('admin', await staffOf('operator', await buildRegion(api.db)), number, { accepted: 'false', documentIssuedOn: referralDay });
    expect(foreign.status).toBe(404);

    const rejected = await confirm('admin', operator, number, { accepted: 'false', documentIssuedOn: referralDay });
    expect([rejected.status, rejected.body]).toEqual([
      200,
      expect.objectContaining({ status: 'queued', statusCause: 'benefit_rejected', benefitCategory: 'none', stopListUntil: expect.any(String) }),
    ]);
    const event = await api.db('application_events').where({ application_number: number, cause: 'benefit_rejected' }).first();
    expect(event).toMatchObject({ actor: operator.iin, signed_document_id: expect.anything() });
  });

  it('R5.7 before_referral: a document issued 11 days before the referral is rejected as too old; registration is then impossible', async () => {
    const { number, referralDay, staff, operator } = await benefitReferral('before_referral');
    const res = await confirm('admin', operator, number, { accepted: 'true', documentIssuedOn: addDays(referralDay, -11) });
    expect([res.status, res.body.statusCause, res.body.benefitCategory]).toEqual([200, 'benefit_rejected', 'none']);
    const event = await api.db('application_events').where({ application_number: number, cause: 'benefit_rejected' }).first();
    expect(event.details).toMatchObject({ reason: 'document_too_old' });
    const arrival = await api.request('POST', '/api/v1/staff/arrivals', { iin: staff.iin, body: { applicationNumber: number } });
    expect(arrival.status).toBe(404);
  });
});
