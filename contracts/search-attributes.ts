import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** What operators filter on in the Web UI: `ApplicationStatus = 'Referral issued' AND Region = 'almaty'`. */
export const ApplicationStatusKey = defineSearchAttributeKey('ApplicationStatus', SearchAttributeType.KEYWORD);
export const RegionKey = defineSearchAttributeKey('Region', SearchAttributeType.KEYWORD);
export const QueueTypeKey = defineSearchAttributeKey('QueueType', SearchAttributeType.KEYWORD);
export const GroupYearKey = defineSearchAttributeKey('GroupYear', SearchAttributeType.INT);
export const BenefitCategoryKey = defineSearchAttributeKey('BenefitCategory', SearchAttributeType.KEYWORD);
export const RegistrationNumberKey = defineSearchAttributeKey('RegistrationNumber', SearchAttributeType.KEYWORD);

export const APPLICATION_SEARCH_ATTRIBUTES = [
  ApplicationStatusKey,
  RegionKey,
  QueueTypeKey,
  GroupYearKey,
  BenefitCategoryKey,
  RegistrationNumberKey,
];
