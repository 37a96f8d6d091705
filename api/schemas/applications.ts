import { z } from 'zod';
import { parseIin } from '../../domain/iin';
import { BENEFIT_CATEGORIES, LANGUAGES, QUEUE_TYPES } from '../../domain/queue';
import { REGISTRATION_NUMBER_PATTERN } from '../../domain/registration-number';
import { paramBigRowIdSchema, regionCodeSchema } from './common';
import type { ProblemCode } from '../problems';
import type { FieldCodes } from '../validate';
import { benefitDocumentsSchema } from './uploads';

const IIN_PROBLEM: Record<string, ProblemCode> = {
  format: 'INVALID_IIN_FORMAT',
  check_digit: 'INVALID_IIN_CHECK_DIGIT',
  birth_date: 'INVALID_IIN_BIRTH_DATE',
};
const IIN_MESSAGE: Record<string, string> = {
  format: 'an IIN is 12 digits',
  check_digit: 'the IIN check digit does not match',
  birth_date: 'the IIN does not encode a valid birth date',
};

/** R2.3: 12 digits, a valid check digit and a real birth date. */
export const iinSchema = z
  .string()
  .meta({ pattern: '^\\d{12}$' }) // for the OpenAPI document; the check below gives each problem its code
  .superRefine((value, ctx) => {
  const result = parseIin(value);
  if (!result.valid) {
    ctx.addIssue({ code: 'custom', message: IIN_MESSAGE[result.problem]!, params: { code: IIN_PROBLEM[result.problem] } });
  }
});

// A mobile number of Kazakhstan: +7 and ten digits; spaces, dashes and brackets are allowed.
export const phoneSchema = z
  .string()
  .transform((v) => v.replace(/[\s()-]/g, ''))
  .pipe(z.string().regex(/^\+7\d{10}$/, 'a phone number is +7 and 10 digits'));

/** An e-mail address as RFC 5321 bounds it: a local part of at most 64 octets, 254 in all. */
export const emailSchema = z
  .email()
  .max(254)
  .refine((e) => Buffer.byteLength(e.slice(0, e.lastIndexOf('@')), 'utf8') <= 64, 'the part before @ may be at most 64 characters');

/** R2.2: e-mail and mobile phone are required; an extra e-mail and phone are optional. */
export const contactsSchema = z.object({
  email: emailSchema,
  phone: phoneSchema,
  extraEmail: emailSchema.optional(),
  extraPhone: phoneSchema.optional(),
});

/** R1.3: the e-mail a person gives at first login. */
export const accountEmailSchema = z.object({ email: contactsSchema.shape.email }).strict();

/** R8.1: a category of need's code; whether the list has it is checked by the route (UNKNOWN_NEED_CATEGORY). */
export const needCategorySchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a category of need is a code such as speech');

export const fileApplicationSchema = z
  .object({
    regionCode: regionCodeSchema,
    queueType: z.enum(QUEUE_TYPES).default('general'),
    childIin: iinSchema,
    benefitCategory: z.enum(BENEFIT_CATEGORIES).default('none'),
    /** R2.3: the uploads proving the benefit; required unless the category is none (checked by the route). */
    benefitDocuments: benefitDocumentsSchema.optional(),
    /** R8.1: a code of the list of categories of need; required in the correctional queue, refused in the general one (checked by the route). */
    needCategory: needCategorySchema.optional(),
    language: z.enum(LANGUAGES).default('ru'),
    contacts: contactsSchema,
  })
  .strict();

export type FileApplicationRequest = z.infer<typeof fileApplicationSchema>;

export const FILE_APPLICATION_FIELD_CODES: FieldCodes = {
  contacts: { missing: 'CONTACT_REQUIRED', invalid: 'INVALID_CONTACT' },
  'contacts.email': { missing: 'CONTACT_REQUIRED', invalid: 'INVALID_CONTACT' },
  'contacts.phone': { missing: 'CONTACT_REQUIRED', invalid: 'INVALID_CONTACT' },
  'contacts.extraEmail': { invalid: 'INVALID_CONTACT' },
  'contacts.extraPhone': { invalid: 'INVALID_CONTACT' },
  childIin: { missing: 'CHILD_IIN_REQUIRED' },
  regionCode: { missing: 'REGION_REQUIRED', invalid: 'UNKNOWN_REGION' },
  needCategory: { invalid: 'UNKNOWN_NEED_CATEGORY' },
};

/** R2.4: a registration number, e.g. 75.UO.2026.000001.1. */
export const applicationNumberSchema = z.string().max(40).regex(REGISTRATION_NUMBER_PATTERN, 'a registration number looks like 75.UO.2026.000001.1');

/** The path of one application. */
export const applicationParamsSchema = z.object({ number: applicationNumberSchema });

/** The path of one signed document of an application. */
export const signedDocumentParamsSchema = z.object({ number: applicationNumberSchema, id: paramBigRowIdSchema });

/** The Idempotency-Key header: a client's retry of the same request must not act twice. */
export const idempotencyKeySchema = z.string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/);
