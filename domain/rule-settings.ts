import { z } from 'zod';
import type { PriorityShare } from './priority-share';

/** R4.7: the kinds of kindergarten a region may have (correctional ones follow R8, not this setting). */
export const KINDS_ON_OFFER = ['state', 'private', 'village', 'mini_centre'] as const;
export type KindOnOffer = (typeof KINDS_ON_OFFER)[number];
/** R4.7: every kind of kindergarten, as the kindergartens table has them. */
export const KINDERGARTEN_KINDS = [...KINDS_ON_OFFER, 'correctional'] as const;
export type KindergartenKind = (typeof KINDERGARTEN_KINDS)[number];

/**
 * R10: the rules a region may set without a code change. Stored as JSON on the region row; every
 * workflow reads them through an activity so that its history records the values it acted on.
 */
export const ruleSettingsSchema = z.object({
  /** R2.4: prefix of registration numbers, unique per region. */
  numberPrefix: z.string().regex(/^\d{2,3}$/),
  /** R4.6: a child must be at least this many full years old to get a referral. */
  minimumAgeYears: z.number().int().min(0).max(7),
  /** R4.3, R4.4: the hours (Asia/Almaty) of the daily publication and of the offer. */
  publicationHour: z.number().int().min(0).max(23),
  offerHour: z.number().int().min(0).max(23),
  /**
   * R4.5: the choice window's length N. The name predates the calendar mode and stays (stored
   * regions, recorded histories and the settings log carry it): it counts working days or calendar
   * days as `choiceWindowMode` says.
   */
  choiceWindowWorkingDays: z.number().int().min(1).max(10),
  /**
   * R4.5, R10: `working` — N working days; `calendar` — N calendar days ("в течение 3 дней"; Astana
   * has used 1). In both the offer day is day 1 and the window closes at 24:00 Almaty of day N; a
   * calendar-day window is never moved by a calendar change.
   */
  choiceWindowMode: z.enum(['working', 'calendar']),
  /** R4.7: the kinds of kindergarten the region has: only their places are offered and chosen. */
  kindsOnOffer: z.array(z.enum(KINDS_ON_OFFER)).min(1).refine((k) => new Set(k).size === k.length, 'each kind once'),
  /** R4.7: private places are offered by the queue (true) or only taken by free choice (false). */
  privatePlacesByQueue: z.boolean(),
  /**
   * R10.2, R4.1: how first-priority applications share places with the general queue: `strict`
   * (out-of-turn, then first-priority, then the rest) or `ratio` — k first-priority seats to m
   * general ones, out-of-turn always first (Astana: 1 to 3); see domain/priority-share.ts.
   */
  priorityShare: z.discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('strict') }),
    z.strictObject({ mode: z.literal('ratio'), firstPriority: z.number().int().min(1).max(20), general: z.number().int().min(1).max(20) }),
  ]) satisfies z.ZodType<PriorityShare>,
  /** R5.2: working days to register a referral at the kindergarten. */
  referralWorkingDays: z.number().int().min(1).max(30),
  /** R8.3: working days after a correctional referral's issue to be examined at the ПМПК. */
  pmpkExaminationWorkingDays: z.number().int().min(1).max(30),
  /** R5.3: working days on the stop-list after an annulled referral. */
  stopListWorkingDays: z.number().int().min(0).max(60),
  /** R5.4: expired referrals that remove the child. */
  expiredReferralsToRemove: z.number().int().min(1).max(5),
  /** R5.5: the longest extension, in calendar days. */
  extensionMaxDays: z.number().int().min(1).max(90),
  /** R5.6: how long after issue a referral may be withdrawn, in hours. */
  withdrawalHours: z.number().int().min(1).max(168),
  /** R6.1: interest is reconfirmed every this many calendar months. */
  reconfirmationMonths: z.number().int().min(1).max(36),
  /** R6.1: the reminder goes this many days before the reconfirmation deadline. */
  reconfirmationReminderDays: z.number().int().min(1).max(90),
  /**
   * R5.7, R10.2: who confirms a benefit referral's documents. `at_enrolment` — kindergarten staff,
   * before they register the arrival (the seeds); `before_referral` — the region's operator, while
   * the referral is issued and before the child may be registered (Astana). A rejection annuls the
   * referral and returns the child to the general queue; under `before_referral` with a stop-list.
   */
  benefitConfirmation: z.enum(['at_enrolment', 'before_referral']),
  /** R5.7: the benefit document is issued at most this many calendar days before the referral was requested. */
  benefitDocumentMaxAgeDays: z.number().int().min(0).max(365),
});

export type RuleSettings = z.infer<typeof ruleSettingsSchema>;
export type ChoiceWindowMode = RuleSettings['choiceWindowMode'];
export type BenefitConfirmation = RuleSettings['benefitConfirmation'];

/**
 * R4.7: the kinds whose places the queue is offered — the region's kinds, private ones only when the
 * region offers them by the queue (else they are taken by free choice alone).
 */
export const kindsOfferedByQueue = (settings: Pick<RuleSettings, 'kindsOnOffer' | 'privatePlacesByQueue'>): KindOnOffer[] =>
  settings.kindsOnOffer.filter((k) => k !== 'private' || settings.privatePlacesByQueue);

/** The settings of the seeded instructions (Almaty's portal); a region overrides what differs. */
export const DEFAULT_RULE_SETTINGS: Omit<RuleSettings, 'numberPrefix'> = {
  minimumAgeYears: 2,
  publicationHour: 18,
  offerHour: 7,
  choiceWindowWorkingDays: 3,
  choiceWindowMode: 'working',
  kindsOnOffer: ['state'],
  privatePlacesByQueue: false,
  priorityShare: { mode: 'strict' },
  referralWorkingDays: 5,
  pmpkExaminationWorkingDays: 3,
  stopListWorkingDays: 10,
  expiredReferralsToRemove: 2,
  extensionMaxDays: 30,
  withdrawalHours: 24,
  reconfirmationMonths: 12,
  reconfirmationReminderDays: 30,
  benefitConfirmation: 'at_enrolment',
  benefitDocumentMaxAgeDays: 10,
};

/**
 * Settings added after regions were first stored, with the value a stored region takes until an
 * operator sets its own (R10): the region rows need no rewrite when a rule gains a setting.
 */
export const SETTINGS_ADDED_LATER: Partial<RuleSettings> = {
  pmpkExaminationWorkingDays: DEFAULT_RULE_SETTINGS.pmpkExaminationWorkingDays,
  choiceWindowMode: DEFAULT_RULE_SETTINGS.choiceWindowMode,
  kindsOnOffer: DEFAULT_RULE_SETTINGS.kindsOnOffer,
  privatePlacesByQueue: DEFAULT_RULE_SETTINGS.privatePlacesByQueue,
  benefitConfirmation: DEFAULT_RULE_SETTINGS.benefitConfirmation,
  benefitDocumentMaxAgeDays: DEFAULT_RULE_SETTINGS.benefitDocumentMaxAgeDays,
  priorityShare: DEFAULT_RULE_SETTINGS.priorityShare,
};

/**
 * R10: the region's contacts (support phone, e-mail, hours), shown on documents and notices. Kept
 * in the region row's own `contacts` column (documents printed them before they became a setting);
 * an operator changes them with the settings. Each value is plain text, shown escaped. No default:
 * another region's phone would send families to the wrong office, so a region without its own shows none.
 */
const contactText = z.string().trim().min(1).max(200);
export const regionContactsSchema = z.strictObject({
  phone: contactText.optional(),
  email: z.string().trim().email().max(200).optional(),
  hours: contactText.optional(),
  callCentre: contactText.optional(),
  educationDepartment: contactText.optional(),
  support: contactText.optional(),
});
export type RegionContacts = z.infer<typeof regionContactsSchema>;

