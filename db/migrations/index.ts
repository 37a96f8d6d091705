import type { Knex } from 'knex';
import * as coreSchema from './20261124100000-create-core-schema';
import * as publicHolidays from './20261124110000-seed-public-holidays';
import * as referralsAndEnrollments from './20261124120000-create-referrals-and-enrollments';
import * as offerWaves from './20261124130000-create-offer-waves';
import * as sessions from './20261124140000-create-sessions-and-signed-documents';
import * as placeTypes from './20261129100000-create-place-types';
import * as placeTypesSeed from './20261129110000-seed-place-types';
import * as correspondenceLanguage from './20261129130000-separate-correspondence-language';
import * as noticeDelivery from './20261129120000-add-notice-delivery';
import * as reshapeDocuments from './20261129140000-reshape-documents';
import * as operationsFigures from './20261129150000-add-operations-figures';
import * as offerWavesSignalled from './20261129150100-backfill-offer-waves-signalled';
import * as statelessLoginChallenges from './20261129152000-stateless-login-challenges';
import * as publicListIndexes from './20261129152100-index-public-lists';
import * as needCategories from './20261129160000-need-categories';
import * as examinations from './20261129161000-examinations';
import * as uploads from './20261129170000-uploads';
import * as regionSettingsLog from './20261129171000-region-settings-log';
import * as priorityShare from './20261129172000-priority-share';
import * as kindergartenLanguages from './20261129180000-kindergarten-languages';
import * as placeChanges from './20261129181000-place-changes';
import * as personalDataReads from './20261129182000-personal-data-reads';
import * as staffChanges from './20261129183000-staff-changes';
import * as queuePositions from './20261129190000-queue-positions';
import * as bulkWaves from './20261129191000-bulk-waves';
import * as queueChain from './20261129200000-queue-chain';
import * as chainAppendInOneStatement from './20261129200500-chain-append-in-one-statement';
import * as chainBackfill from './20261129201000-chain-backfill';
import * as offerPlaceSets from './20261129210000-offer-place-sets';
import * as queuePositionFreeStripes from './20261130030000-queue-position-free-stripes';
import * as chainGroupYear from './20261130120000-chain-group-year';

/**
 * Every migration, in order. Listed here rather than read from the folder so the same source works
 * under tsx, jest and compiled JavaScript alike.
 */
const MIGRATIONS: Record<string, Knex.Migration> = {
  '20261124100000-create-core-schema': coreSchema,
  '20261124110000-seed-public-holidays': publicHolidays,
  '20261124120000-create-referrals-and-enrollments': referralsAndEnrollments,
  '20261124130000-create-offer-waves': offerWaves,
  '20261124140000-create-sessions-and-signed-documents': sessions,
  '20261129100000-create-place-types': placeTypes,
  '20261129110000-seed-place-types': placeTypesSeed,
  '20261129120000-add-notice-delivery': noticeDelivery,
  '20261129130000-separate-correspondence-language': correspondenceLanguage,
  '20261129140000-reshape-documents': reshapeDocuments,
  '20261129150000-add-operations-figures': operationsFigures,
  '20261129150100-backfill-offer-waves-signalled': offerWavesSignalled,
  '20261129152000-stateless-login-challenges': statelessLoginChallenges,
  '20261129152100-index-public-lists': publicListIndexes,
  '20261129160000-need-categories': needCategories,
  '20261129161000-examinations': examinations,
  '20261129170000-uploads': uploads,
  '20261129171000-region-settings-log': regionSettingsLog,
  '20261129172000-priority-share': priorityShare,
  '20261129180000-kindergarten-languages': kindergartenLanguages,
  '20261129181000-place-changes': placeChanges,
  '20261129182000-personal-data-reads': personalDataReads,
  '20261129183000-staff-changes': staffChanges,
  '20261129190000-queue-positions': queuePositions,
  '20261129191000-bulk-waves': bulkWaves,
  '20261129200000-queue-chain': queueChain,
  '20261129200500-chain-append-in-one-statement': chainAppendInOneStatement,
  '20261129201000-chain-backfill': chainBackfill,
  '20261129210000-offer-place-sets': offerPlaceSets,
  '20261130030000-queue-position-free-stripes': queuePositionFreeStripes,
  '20261130120000-chain-group-year': chainGroupYear,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name]!,
};
