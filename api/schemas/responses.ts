import { z } from 'zod';
import { CERTIFICATE_HOLDERS } from '../../domain/identity';
import { BENEFIT_CATEGORIES, LANGUAGES, QUEUE_TYPES } from '../../domain/queue';
import { APPLICATION_STATUSES, TRANSITION_CAUSES } from '../../domain/statuses';
import { NOTICE_CHANNELS, NOTICE_KINDS } from '../../domain/notices';
import { regionContactsSchema, ruleSettingsSchema } from '../../domain/rule-settings';
import { DOCUMENT_KINDS, DOCUMENT_STATES } from '../../domain/documents';
import { EXAMINATION_CONCLUSIONS } from './pmpk';
import { chainEntry, signedHead } from './chain';

/**
 * What the API answers, route by route: the OpenAPI document's response schemas, and what the API
 * tests hold every 2xx answer to. Objects are strict, so a field the document does not name fails.
 */

/** An instant as every instant leaves the system (domain/iso.ts). */
const instant = z.iso.datetime();
const day = z.iso.date();
const id = z.number().int().positive();
const count = z.number().int().min(0);
const registrationNumber = z.string();
const iin = z.string().regex(/^\d{12}$/);
const status = z.enum(APPLICATION_STATUSES);
const statusLabel = z.strictObject({ ru: z.string(), kk: z.string() }).describe('R3.4: the status as people read it');
const causeLabel = z.strictObject({ ru: z.string(), kk: z.string() }).describe('R3.4: the cause of the change as people read it');
const queueNumber = z.number().int().positive().nullable().describe('null when the application is not in a queue');
const kindergartenName = { id, nameRu: z.string(), nameKk: z.string() };
/** R8.1: a category of need, by code and as people read it. */
const needCategoryNamed = z.strictObject({ code: z.string(), nameRu: z.string(), nameKk: z.string() });
const KINDERGARTEN_KINDS = ['state', 'private', 'village', 'mini_centre', 'correctional'] as const;
const REFERRAL_STATES = ['active', 'used', 'annulled', 'withdrawn', 'cancelled'] as const;
const STAFF_ROLES = ['kindergarten_staff', 'pmpk_staff', 'operator'] as const;

export const livenessAnswer = z.strictObject({ status: z.literal('ok') });

export const readinessAnswer = z.strictObject({
  status: z.literal('ok'),
  checks: z.strictObject({ postgres: z.literal('up'), temporal: z.literal('up') }),
});

export const openApiAnswer = z.looseObject({ openapi: z.literal('3.1.0'), paths: z.record(z.string(), z.unknown()) });

export const text = z.string();

/** A place as both staff and the public see it (R4.7). */
const placeFields = {
  placeId: id,
  groupYear: z.number().int(),
  language: z.enum(LANGUAGES),
  placeType: z.string(),
  seats: count,
  free: count,
  releasedOn: day,
  publishedAt: instant.nullable(),
  needCategory: needCategoryNamed.nullable().describe('R8.1: a correctional kindergarten’s place is for this category of need; null for others'),
};

/** R11.1: a public list is read a page at a time; `next` is the cursor of the page after this one. */
export const nextPage = z.string().nullable().describe('Pass as `cursor` for the next page (also in the Link header, rel="next"); null on the last page');

export const publishedPlacesAnswer = z.strictObject({
  places: z.array(
    z.strictObject({
      ...placeFields,
      freeChoice: z.boolean().describe('R4.9: open to any applicant of the group year'),
      kindergarten: z.strictObject({
        ...kindergartenName,
        kind: z.enum(KINDERGARTEN_KINDS),
        address: z.string(),
        phone: z.string().nullable(),
        location: z.strictObject({ latitude: z.number(), longitude: z.number() }).nullable(),
      }),
    }),
  ),
  signedHead: signedHead.nullable().describe('R11.3: the region’s chain head the service signed at its latest publication; null before the first'),
  next: nextPage,
});

/** R4.7: a region's kindergartens, as anyone sees them. */
export const kindergartensAnswer = z.strictObject({
  kindergartens: z.array(
    z.strictObject({
      ...kindergartenName,
      kind: z.enum(KINDERGARTEN_KINDS),
      languages: z.array(z.enum(LANGUAGES)).describe('Languages of instruction; empty when not known'),
      address: z.string(),
      phone: z.string().nullable(),
      location: z.strictObject({ latitude: z.number(), longitude: z.number() }).nullable().describe('null when not known'),
    }),
  ),
  next: nextPage,
});

export const issuedReferralsAnswer = z.strictObject({
  referrals: z.array(
    z.strictObject({
      registrationNumber,
      issuedAt: instant,
      state: z.enum(REFERRAL_STATES),
      queueNumberAtIssue: z.number().int().positive().nullable(),
      groupYear: z.number().int(),
      kindergarten: z.strictObject(kindergartenName),
    }),
  ),
  next: nextPage,
});

export const publicApplicationAnswer = z.strictObject({
  registrationNumber,
  regionCode: z.string(),
  queueType: z.enum(QUEUE_TYPES),
  groupYear: z.number().int(),
  benefitCategory: z.enum(BENEFIT_CATEGORIES),
  needCategory: needCategoryNamed.nullable().describe('R8.1: correctional applications; its queue numbers count within it'),
  registeredAt: instant,
  status,
  statusLabel,
  statusChangedAt: instant,
  onStopList: z.boolean(),
  queueNumber,
  queueNumberInCategory: queueNumber,
  chain: z.array(chainEntry).describe('R11.3: the application’s own entries of its region’s chain, in order'),
});

export const challengeAnswer = z.strictObject({
  nonce: z.string(),
  issuedAt: instant,
  expiresAt: instant,
  xml: z.string().describe('The document to sign as it is, with the AUTH key, and send to POST /api/v1/auth/login'),
});

const person = z.strictObject({ iin, name: z.string(), holder: z.enum(CERTIFICATE_HOLDERS) });

export const loginAnswer = z.strictObject({
  token: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: instant,
  person,
  emailRequired: z.boolean().describe('R1.3: PUT /api/v1/me/email before anything else'),
});

export const meAnswer = z.strictObject({
  iin,
  name: z.string(),
  holder: z.enum(CERTIFICATE_HOLDERS),
  organisationBin: z.string().nullable(),
  email: z.string().nullable(),
  emailRequired: z.boolean(),
  sessionExpiresAt: instant,
  roles: z.array(
    z.union([
      z.strictObject({ role: z.literal('applicant') }),
      z.strictObject({ role: z.enum(STAFF_ROLES), regionCode: z.string().nullable(), kindergartenId: id.nullable() }),
    ]),
  ),
});

export const emailAnswer = z.strictObject({ email: z.string() });

/** R9.2: a document's title as printed, in both languages. */
const documentTitle = z.strictObject({ ru: z.string(), kk: z.string() });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of the PDF, hex; null until it is made');

/** R3.3: a document of the documents tab. */
export const documentAnswer = z.strictObject({
  id,
  kind: z.enum(DOCUMENT_KINDS),
  title: documentTitle,
  language: z.enum(LANGUAGES),
  state: z.enum(DOCUMENT_STATES).describe('rendering: the PDF is being made (GET answers 202 DOCUMENT_NOT_READY); ready; failed: ask for it again (POST)'),
  issuedAt: instant,
  renderedAt: instant.nullable(),
  sha256: sha256.nullable(),
  verificationCode: z.string().describe('As printed on the document: anyone checks it at GET /api/v1/public/documents/{code}'),
});
/** R2.3, R6.2: a benefit document the applicant uploaded and a signed action attached to the application. */
export const attachmentAnswer = z.strictObject({
  id,
  mediaType: z.enum(['application/pdf', 'image/jpeg', 'image/png']),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).describe('As signed in the action that attached it'),
  uploadedAt: instant,
  attachedAt: instant,
});
/** R2.3: the group «Приложения к заявлению» of the documents tab. */
const attachmentsGroup = z
  .strictObject({ title: documentTitle, files: z.array(attachmentAnswer) })
  .describe('The group «Приложения к заявлению»: the benefit documents attached by the filing or a change of category, oldest first');
/** R3.3: the application card as its applicant (or an attached parent) sees it. */
export const applicationCard = z.strictObject({
  number: registrationNumber,
  region: z.strictObject({ code: z.string(), nameRu: z.string(), nameKk: z.string() }),
  queueType: z.enum(QUEUE_TYPES),
  benefitCategory: z.enum(BENEFIT_CATEGORIES),
  needCategory: needCategoryNamed.nullable().describe('R8.1: correctional applications; its queue numbers count within it'),
  groupYear: z.number().int(),
  registeredAt: instant,
  status,
  statusLabel,
  statusCause: z.enum(TRANSITION_CAUSES),
  statusCauseLabel: causeLabel,
  statusChangedAt: instant,
  queueNumber,
  queueNumberInCategory: queueNumber,
  deadlines: z.strictObject({
    reconfirmBy: instant.nullable(),
    choiceWindowEndsAt: instant.nullable(),
    referralDeadline: instant.nullable(),
    stopListUntil: instant.nullable(),
  }),
  onStopList: z.boolean().describe('R3.4: true only while the stop-list lasts (then deadlines.stopListUntil is its end)'),
  expiredReferrals: count,
  offer: z
    .strictObject({
      windowEndsAt: instant.describe('R4.5: choose by then'),
      places: z.array(
        z.strictObject({
          placeId: id,
          groupYear: z.number().int(),
          language: z.enum(LANGUAGES),
          placeType: z.string(),
          free: count,
          kindergarten: z.strictObject({ ...kindergartenName, kind: z.enum(KINDERGARTEN_KINDS), address: z.string(), phone: z.string().nullable() }),
        }),
      ),
    })
    .nullable()
    .describe('R4.4, R4.7: the places offered while the choice window is open (POST …/choose-kindergarten takes one); null otherwise'),
  referral: z
    .strictObject({
      placeId: id,
      issuedAt: instant,
      deadline: instant,
      extensionDays: count.nullable().describe('R5.5: the days the one extension added; null until extended'),
      kindergarten: z.strictObject({ ...kindergartenName, address: z.string(), phone: z.string().nullable() }),
    })
    .nullable(),
  examination: z
    .strictObject({
      dueAt: instant.nullable().describe('R8.3: while the referral awaits it, the end of the day the child must be examined by'),
      examinedAt: instant.nullable(),
      conclusion: z.enum(EXAMINATION_CONCLUSIONS).nullable(),
      district: z.string().nullable().describe('The ПМПК (district) that examined the child'),
    })
    .nullable()
    .describe('R8.3: the ПМПК examination of a correctional referral; null for general applications'),
  language: z.enum(LANGUAGES),
  child: z.strictObject({ iin, lastName: z.string(), firstName: z.string(), middleName: z.string().nullable(), birthDate: day }),
  applicant: z.strictObject({ iin, lastName: z.string(), firstName: z.string(), middleName: z.string().nullable() }),
  contacts: z.strictObject({ email: z.string(), phone: z.string(), extraEmail: z.string().nullable(), extraPhone: z.string().nullable() }),
  history: z.array(
    z.strictObject({
      at: instant,
      from: status.nullable(),
      to: status,
      cause: z.enum(TRANSITION_CAUSES),
      causeLabel,
      actor: z.string().describe('`applicant`, `system`, or the IIN of the member of staff'),
      signedDocumentId: id.nullable().describe('R1.2: GET …/signed-documents/{id} gives the document'),
    }),
  ),
  documents: z
    .strictObject({ issued: z.array(documentAnswer), attachments: attachmentsGroup })
    .describe('R3.3: the documents tab — the documents the system issued, and the benefit documents attached by the applicant'),
});

export const applicationListAnswer = z.strictObject({
  applications: z.array(
    z.strictObject({
      number: registrationNumber,
      regionCode: z.string(),
      queueType: z.enum(QUEUE_TYPES),
      childIin: iin,
      child: z.strictObject({ iin, lastName: z.string(), firstName: z.string(), middleName: z.string().nullable(), birthDate: day }),
      applicant: z.strictObject({ iin, lastName: z.string(), firstName: z.string(), middleName: z.string().nullable() }),
      queueNumber,
      queueNumberInCategory: queueNumber,
      status,
      statusLabel,
      statusCause: z.enum(TRANSITION_CAUSES),
      statusCauseLabel: causeLabel,
      benefitCategory: z.enum(BENEFIT_CATEGORIES),
      registeredAt: instant.describe('The registration (creation) date'),
      filedByMe: z.boolean().describe('false for an application attached as the child’s parent (R3.2)'),
    }),
  ),
  next: nextPage,
});

const ownPlace = z.strictObject({
  ...placeFields,
  taken: count.describe('Seats held by referrals or enrolled children: seats − free'),
  addedAt: instant,
  freeChoiceSince: instant.nullable(),
  inOpenWave: z.boolean().describe('R4.4, R4.5: offered in a wave whose choice window is still open; only seats may be added'),
  withdrawnAt: instant.nullable().describe('R4.2: withdrawn by staff; it has no seats and is no longer published'),
});
export const ownPlaceAnswer = ownPlace;
export const ownPlacesAnswer = z.strictObject({ places: z.array(ownPlace), next: nextPage });

/** R4.7: a place as a staff list names it. */
const placeRef = z.strictObject({ placeId: id, language: z.enum(LANGUAGES), placeType: z.string() });
const childNamed = { lastName: z.string(), firstName: z.string(), middleName: z.string().nullable(), birthDate: day };

/** R5.2, R7.1: referrals to the staff member's kindergarten awaiting the child's arrival. */
export const awaitingArrivalsAnswer = z.strictObject({
  referrals: z.array(
    z.strictObject({
      applicationNumber: registrationNumber,
      child: z.strictObject(childNamed),
      groupYear: z.number().int(),
      place: placeRef,
      issuedAt: instant,
      deadline: instant.describe('R5.2, R5.5: the end of the day the child must be registered by, extended if it was'),
      extensionDays: z.number().int().positive().nullable().describe('R5.5: the days the applicant extended it by; null if not'),
      benefitCategory: z.enum(BENEFIT_CATEGORIES),
    }),
  ),
  next: nextPage,
});

/** R7.1, R7.3: the children enrolled at the staff member's kindergarten who have not left. */
export const enrolledChildrenAnswer = z.strictObject({
  children: z.array(
    z.strictObject({
      applicationNumber: registrationNumber.nullable().describe('null for a child enrolled outside the queue'),
      child: z.strictObject({ iin, ...childNamed }),
      groupYear: z.number().int().nullable(),
      enrolledAt: instant,
      place: placeRef.nullable(),
    }),
  ),
  next: nextPage,
});

export const arrivalAnswer = z.strictObject({ applicationNumber: registrationNumber, status });
export const departureAnswer = z.strictObject({ childIin: iin, departed: z.literal(true) });

const calendarDay = {
  id,
  day,
  regionCode: z.string().nullable(),
  kind: z.enum(['holiday', 'day_off', 'working_day']),
  name: z.string(),
  source: z.string(),
};
export const calendarDaysAnswer = z.strictObject({ days: z.array(z.strictObject(calendarDay)) });
export const calendarDayAddedAnswer = z.strictObject({
  ...calendarDay,
  affectedApplications: count.describe('How many applications the recomputation will ask (a workflow started by this request)'),
});

export const regionSettingsAnswer = ruleSettingsSchema.extend({ contacts: regionContactsSchema }).strict();

export const runAnswer = z.strictObject({ scheduleId: z.string(), triggered: z.literal(true) });

export const invariantsAnswer = z.strictObject({
  ok: z.boolean(),
  placeViolations: z.array(z.strictObject({ placeId: id, total: count, free: z.number().int(), held: count })),
});

const notice = z.strictObject({
  id,
  applicationNumber: registrationNumber.nullable(),
  regionCode: z.string().nullable(),
  kind: z.enum(NOTICE_KINDS),
  channel: z.enum(NOTICE_CHANNELS),
  recipient: z.string(),
  language: z.enum(LANGUAGES),
  state: z.enum(['held', 'pending', 'sent', 'failed']),
  attempts: count,
  createdAt: instant,
  nextAttemptAt: instant,
  sentAt: instant.nullable(),
  lastError: z.string().nullable(),
  failedReason: z.string().nullable(),
});
export const noticeAnswer = notice;
export const noticesAnswer = z.strictObject({
  notices: z.array(notice),
  next: id.nullable().describe('Pass as `before` for the next page; null on the last'),
});

export const documentsAnswer = z.strictObject({
  number: registrationNumber,
  documents: z.array(documentAnswer),
  attachments: attachmentsGroup,
});

/** A PDF, as stored when it was made. */
export const pdfFile = z.instanceof(Buffer).meta({ type: 'string', contentMediaType: 'application/pdf', description: 'The PDF, the same bytes at every download' });

/** R9.2, R11: what anyone learns from a document's code: that it was issued, and nothing personal. */
export const documentVerificationAnswer = z.strictObject({
  verificationCode: z.string(),
  kind: z.enum(DOCUMENT_KINDS),
  title: documentTitle,
  language: z.enum(LANGUAGES),
  registrationNumber,
  issuedAt: instant,
  kindergarten: z.string().nullable().describe('For the referral and the child card: the kindergarten, named as printed'),
  sha256: sha256.nullable().describe('Compare with the file you hold: the same hash is the same document'),
});

/** R8.3: the application as the examination left it. */
/** R5.7, R10.2: the application after its benefit was confirmed or rejected. */
export const benefitConfirmedAnswer = z.strictObject({
  applicationNumber: registrationNumber,
  status,
  statusLabel,
  statusCause: z.enum(TRANSITION_CAUSES).describe('benefit_confirmed, or benefit_rejected: the referral annulled, back in the general queue'),
  benefitCategory: z.enum(BENEFIT_CATEGORIES),
  stopListUntil: instant.nullable().describe('R10.2: after a rejection by the operator, the end of the stop-list'),
});

export const examinationRecordedAnswer = z.strictObject({
  applicationNumber: registrationNumber,
  status,
  statusLabel,
  statusCause: z.enum(TRANSITION_CAUSES),
  referralDeadline: instant.nullable().describe('After a confirmed examination: registration at the kindergarten, counted from the examination day'),
});

export const awaitingExaminationsAnswer = z.strictObject({
  referrals: z.array(
    z.strictObject({
      applicationNumber: registrationNumber,
      groupYear: z.number().int(),
      needCategory: needCategoryNamed.nullable(),
      kindergarten: z.strictObject({ ...kindergartenName, address: z.string() }),
      issuedAt: instant,
      examinationDueAt: instant.describe('R8.3: the end of the day the child must be examined by (with an extension taken before it)'),
    }),
  ),
  next: nextPage,
});

export const recordedExaminationsAnswer = z.strictObject({
  examinations: z.array(
    z.strictObject({
      applicationNumber: registrationNumber,
      groupYear: z.number().int(),
      examinedAt: instant,
      district: z.string(),
      conclusion: z.enum(EXAMINATION_CONCLUSIONS),
      needCategoryBefore: needCategoryNamed.nullable(),
      needCategoryAfter: needCategoryNamed.nullable().describe('With other_category: the category the examination found'),
      signedDocumentId: id.nullable().describe('R1.2: the signed document the examination was recorded with'),
    }),
  ),
  next: nextPage,
});

/** An operator's search of their region's applications (personal data: each read is recorded). */
export const operatorSearchAnswer = z.strictObject({
  applications: z.array(
    z.strictObject({
      number: registrationNumber,
      region: z.strictObject({ code: z.string(), nameRu: z.string(), nameKk: z.string() }),
      queueType: z.enum(QUEUE_TYPES),
      child: z.strictObject({ iin, lastName: z.string(), firstName: z.string(), middleName: z.string().nullable(), birthDate: day }),
      status,
      statusLabel,
      benefitCategory: z.enum(BENEFIT_CATEGORIES),
      groupYear: z.number().int(),
      registeredAt: instant,
    }),
  ),
  next: nextPage,
});
