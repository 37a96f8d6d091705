/** What the `getState` query answers: the application's state as the API and the Web UI read it. */
import type { ApplicationState } from '../contracts/application';
import { days } from '../domain/almaty-time';
import { iso } from '../domain/iso';
import { cycleEnd, examinationDueAt, isActive, nextReconfirmationDue, referralDeadline, withdrawableUntil, type Situation } from './application.guards';

const withoutUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The state, with every deadline now running as an ISO instant (none once the application has ended). */
export function projectState({ s, filing, settings, filingOutcome }: Situation): ApplicationState {
  const running = isActive({ s, filingOutcome }) ? settings : undefined;
  const deadline = (ms: number | undefined) => (running && ms !== undefined ? iso(ms) : undefined);
  const reminderDue = running && s.remindedCycle < s.cycle && s.confirmedCycle < s.cycle;
  return {
    number: filing.number,
    status: s.status,
    statusCause: s.statusCause,
    benefitCategory: s.benefitCategory,
    cycle: s.cycle,
    interestConfirmedForCycle: s.confirmedCycle >= s.cycle,
    expiredReferrals: s.expiredReferrals,
    offer: s.offer && { placeIds: s.offer.placeIds, windowEndsAt: iso(s.offer.windowEndsAt) },
    referral: s.referral && {
      placeId: s.referral.placeId,
      kindergartenId: s.referral.kindergartenId,
      issuedAt: iso(s.referral.issuedAt),
      extended: s.referral.extensionDays > 0,
      ...(s.referral.examination?.examinedAt !== undefined
        ? { examination: { examinedAt: iso(s.referral.examination.examinedAt), conclusion: s.referral.examination.conclusion!, district: s.referral.examination.district! } }
        : {}),
      ...(s.referral.benefit
        ? { benefit: { by: s.referral.benefit.by, confirmed: s.referral.benefit.confirmedAt !== undefined, ...(s.referral.benefit.documentIssuedOn ? { documentIssuedOn: s.referral.benefit.documentIssuedOn } : {}) } }
        : {}),
    },
    deadlines: withoutUndefined({
      reconfirmBy: deadline(running && nextReconfirmationDue(filing, s, running)),
      reconfirmationReminderAt: deadline(reminderDue ? cycleEnd(filing, s, running) - days(running.reconfirmationReminderDays) : undefined),
      choiceWindowEndsAt: deadline(s.offer?.windowEndsAt),
      referralDeadline: deadline(referralDeadline(s)),
      examinationDueAt: deadline(examinationDueAt(s)),
      withdrawableUntil: deadline(running && withdrawableUntil(s, running)),
      stopListUntil: deadline(s.stopList?.until),
    }),
  };
}
