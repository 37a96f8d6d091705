import { createApplicationActivities } from '../../activities/applications';
import { documentInLanguage } from '../../activities/documents/records';
import { withdrawReferralUpdate } from '../../contracts/application';
import { readVerificationCode } from '../../contracts/documents';
import type { Transition } from '../../contracts/activities';
import { FILING_DOCUMENTS, REFERRAL_DOCUMENTS, type DocumentSnapshot } from '../../domain/documents';
import { buildPlace, buildRegion, events, issueReferral, request, startWithReferral } from '../helpers/lifecycle';
import { useWorkflowSuite } from '../helpers/temporal';
import { documentsOf, fileApplication } from './helpers';

const suite = useWorkflowSuite();

/** A region of its own whose names differ by language and which lists its contacts. */
async function namedRegion(): Promise<string> {
  const code = await buildRegion(suite.db);
  await suite.db('regions').where({ code }).update({ name_ru: `Регион ${code}`, name_kk: `${code} өңірі`, contacts: JSON.stringify({ support: '466 756', email: 'help@example.kz' }) });
  return code;
}

const referralEvent = async (number: string): Promise<Transition> => {
  const e = (await events(suite.db, number)).find((row) => row.cause === 'referral_issued');
  return { number, seq: e.seq, at: e.at.getTime(), from: e.from_status, to: e.to_status, cause: e.cause, actor: e.actor };
};

describe('document records, made with the event that issues them (R2.4, R5.1, R9.2)', () => {
  it('R2.4 filing creates the three filing documents in the application’s language, each with its snapshot, once even when the activity runs again', async () => {
    const { db } = suite;
    const regionCode = await namedRegion();
    const filing = await fileApplication(db, { regionCode });
    const docs = await documentsOf(db, filing.number);
    expect(docs.map((d) => d.kind).sort()).toEqual([...FILING_DOCUMENTS].sort());
    const child = await db('persons').where({ iin: filing.childIin }).first();
    const applicant = await db('persons').where({ iin: filing.applicantIin }).first();
    for (const d of docs) {
      expect(d).toMatchObject({ language: 'kk', state: 'rendering', attempts: 0, content: null, sha256: null, referral_id: null, template_version: 1 });
      expect(d.issued_at.getTime()).toBe(filing.registeredAt);
      expect(readVerificationCode(d.verification_code)).toBe(d.verification_code);
      expect(d.snapshot).toEqual({
        number: filing.number,
        registeredAt: new Date(filing.registeredAt).toISOString(),
        region: { name: `${regionCode} өңірі`, contacts: { support: '466 756', email: 'help@example.kz' } },
        queueType: 'general',
        benefitCategory: 'none',
        groupYear: filing.groupYear,
        child: { iin: filing.childIin, lastName: child.last_name, firstName: child.first_name, middleName: null, birthDate: filing.childBirthDate },
        applicant: { iin: filing.applicantIin, lastName: applicant.last_name, firstName: applicant.first_name, middleName: null },
        queueNumber: 1,
        queueNumberInCategory: 1,
      } satisfies DocumentSnapshot);
    }
    expect(new Set(docs.map((d) => d.verification_code)).size).toBe(3);

    // A retried activity (its first attempt committed, its answer lost) records nothing twice.
    const again = await createApplicationActivities({ db }).recordFiling({ filing, reconfirmBy: filing.registeredAt + 1 });
    expect(again).toEqual({ outcome: 'filed' });
    expect((await documentsOf(db, filing.number)).map((d) => d.verification_code)).toEqual(docs.map((d) => d.verification_code));
  });

  it('R5.1 issuing the referral creates the child’s card and the referral, with the kindergarten, deadline and queue numbers at issue, once even when recordTransition runs again', async () => {
    const { env, db } = suite;
    const regionCode = await namedRegion();
    const { started, state, kindergartenId } = await startWithReferral(env, db, regionCode);
    const number = started.filing.number;
    const referralDocs = (await documentsOf(db, number)).filter((d) => REFERRAL_DOCUMENTS.includes(d.kind));
    expect(referralDocs.map((d) => d.kind).sort()).toEqual([...REFERRAL_DOCUMENTS].sort());
    const referral = await db('referrals').where({ application_number: number }).first();
    const kindergarten = await db('kindergartens').where({ id: kindergartenId }).first();
    for (const d of referralDocs) {
      expect(d).toMatchObject({ language: started.filing.language, state: 'rendering', referral_id: referral.id });
      expect(d.issued_at.toISOString()).toBe(state.referral!.issuedAt);
      expect(d.snapshot.referral).toEqual({
        kindergarten: { name: kindergarten.name_kk, address: kindergarten.address, phone: null },
        groupYear: started.filing.groupYear,
        issuedAt: state.referral!.issuedAt,
        deadline: state.deadlines.referralDeadline,
      });
      expect(d.snapshot).toMatchObject({ number, region: { name: `${regionCode} өңірі` }, queueNumber: 1, queueNumberInCategory: 1 });
    }

    await createApplicationActivities({ db }).recordTransition(await referralEvent(number));
    expect(await documentsOf(db, number)).toHaveLength(5);
  });

  it('R5.1 a second referral, after a withdrawal, has a card and a referral of its own; the first ones stay', async () => {
    const { env, db } = suite;
    const { started, regionCode } = await startWithReferral(env, db);
    await started.handle.executeUpdate(withdrawReferralUpdate, { args: [request(started)] });
    const second = await buildPlace(db, { regionCode, groupYear: started.filing.groupYear });
    await issueReferral(env, db, started, second.placeId);
    const docs = await documentsOf(db, started.filing.number);
    expect(docs).toHaveLength(7);
    const referrals = await db('referrals').where({ application_number: started.filing.number }).orderBy('id').pluck('id');
    expect(referrals).toHaveLength(2);
    for (const id of referrals) expect(docs.filter((d) => d.referral_id === id).map((d) => d.kind).sort()).toEqual([...REFERRAL_DOCUMENTS].sort());
  });

  it('R9.2 the other language is made from the facts as issued, with the names read again in that language, once', async () => {
    const { env, db } = suite;
    const regionCode = await namedRegion();
    const { started, kindergartenId } = await startWithReferral(env, db, regionCode);
    const number = started.filing.number;
    const issued = (await documentsOf(db, number)).find((d) => d.kind === 'referral');
    // Facts change after issue; the paper in the other language still tells them as they were.
    await db('applications').where({ number }).update({ benefit_category: 'first_priority' });

    const ru = await documentInLanguage(db, number, 'referral', 'ru');
    expect(ru).toMatchObject({ kind: 'referral', language: 'ru', state: 'rendering', issuedAt: issued.issued_at.toISOString() });
    const row = await db('documents').where({ id: ru!.id }).first();
    const kindergarten = await db('kindergartens').where({ id: kindergartenId }).first();
    expect(row.referral_id).toBe(issued.referral_id);
    expect(row.verification_code).not.toBe(issued.verification_code);
    expect(row.snapshot).toEqual({
      ...issued.snapshot,
      region: { ...issued.snapshot.region, name: `Регион ${regionCode}` },
      referral: { ...issued.snapshot.referral, kindergarten: { ...issued.snapshot.referral.kindergarten, name: kindergarten.name_ru } },
    });
    expect(await documentInLanguage(db, number, 'referral', 'ru')).toEqual(ru);
    expect(await documentInLanguage(db, number, 'referral', started.filing.language)).toMatchObject({ id: Number(issued.id) });
    expect(await documentsOf(db, number)).toHaveLength(6);
  });

  it('R9.2 a kind never issued for the application is not made in any language', async () => {
    const filing = await fileApplication(suite.db);
    expect(await documentInLanguage(suite.db, filing.number, 'referral', 'ru')).toBeUndefined();
    expect(await documentsOf(suite.db, filing.number)).toHaveLength(3);
  });
});
