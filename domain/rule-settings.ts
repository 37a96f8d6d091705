import { z } from 'zod';

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
  /** R4.5: the choice window, in working days. */
  choiceWindowWorkingDays: z.number().int().min(1).max(10),
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
});

export type RuleSettings = z.infer<typeof ruleSettingsSchema>;

/** The settings of the seeded instructions (Almaty's portal); a region overrides what differs. */
export const DEFAULT_RULE_SETTINGS: Omit<RuleSettings, 'numberPrefix'> = {
  minimumAgeYears: 2,
  publicationHour: 18,
  offerHour: 7,
  choiceWindowWorkingDays: 3,
  referralWorkingDays: 5,
  pmpkExaminationWorkingDays: 3,
  stopListWorkingDays: 10,
  expiredReferralsToRemove: 2,
  extensionMaxDays: 30,
  withdrawalHours: 24,
  reconfirmationMonths: 12,
  reconfirmationReminderDays: 30,
};

/**
 * Settings added after regions were first stored, with the value a stored region takes until an
 * operator sets its own (R10): the region rows need no rewrite when a rule gains a setting.
 */
export const SETTINGS_ADDED_LATER: Partial<RuleSettings> = { pmpkExaminationWorkingDays: DEFAULT_RULE_SETTINGS.pmpkExaminationWorkingDays };
