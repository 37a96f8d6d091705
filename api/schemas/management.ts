import { nextPage } from './responses';
import { z } from 'zod';
import { LANGUAGES, type Language } from '../../domain/queue';
import { KINDERGARTEN_KINDS, regionContactsSchema, ruleSettingsSchema } from '../../domain/rule-settings';
import { iinSchema } from './applications';
import { INT4_MAX, paramRowIdSchema, regionCodeSchema } from './common';
import { publicFilterSchema } from './public';

/**
 * Managing who may act (issue 17): the fields of the signed documents (R1.2) that create regions
 * and kindergartens and add and remove staff, and what those routes answer. A signed document's
 * values are XML text: numbers are written as digits.
 */

const nameText = z.string().trim().min(1).max(200);
/** A row ID as a signed document writes it. */
const xmlRowId = z
  .string()
  .regex(/^\d{1,10}$/, 'a row ID')
  .transform(Number)
  .pipe(z.number().int().positive().max(INT4_MAX));
/** A coordinate as a signed document writes it, e.g. 43.2389. */
const xmlCoordinate = (max: number) =>
  z
    .string()
    .regex(/^-?\d{1,3}(\.\d{1,8})?$/, 'a decimal number, e.g. 43.2389')
    .transform(Number)
    .pipe(z.number().min(-max).max(max));
/** An employer's business identification number (БИН), as employee certificates carry it. */
const binSchema = z.string().regex(/^\d{12}$/, 'a BIN is 12 digits');
/** A new region's code: as URLs carry it. */
const newRegionCodeSchema = z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, 'a region code is 2–32 lowercase Latin letters, digits or -, starting with a letter');

/** R10: a new region; its rule settings are the defaults (domain/rule-settings.ts) until its operator changes them. */
export const createRegionSchema = z
  .object({
    code: newRegionCodeSchema,
    nameRu: nameText,
    nameKk: nameText,
    numberPrefix: ruleSettingsSchema.shape.numberPrefix,
    contacts: regionContactsSchema.optional(),
  })
  .strict();

/**
 * A member of staff to add, as their employee certificate names them: the person (IIN), the
 * employer (BIN) and the scope of the role — an operator a region (none: a national operator),
 * kindergarten staff a kindergarten, ПМПК staff a region and district (R8.3).
 */
export const addStaffMemberSchema = z
  .object({
    role: z.enum(['operator', 'kindergarten_staff', 'pmpk_staff']),
    iin: iinSchema,
    organisationBin: binSchema,
    regionCode: regionCodeSchema.optional(),
    kindergartenId: xmlRowId.optional(),
    district: nameText.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const need = (field: 'regionCode' | 'kindergartenId' | 'district', wanted: boolean) => {
      if ((m[field] !== undefined) !== wanted) ctx.addIssue({ code: 'custom', path: [field], message: `${m.role} ${wanted ? 'needs' : 'takes no'} ${field}` });
    };
    need('kindergartenId', m.role === 'kindergarten_staff');
    need('district', m.role === 'pmpk_staff');
    // Kindergarten staff are in their kindergarten's region; an operator without one is national.
    if (m.role === 'kindergarten_staff') need('regionCode', false);
    if (m.role === 'pmpk_staff') need('regionCode', true);
  });
export type AddStaffMember = z.infer<typeof addStaffMemberSchema>;

/** The member removed, named twice: by the row the path names and by the person, for the record. */
export const removeStaffMemberSchema = z.object({ staffId: xmlRowId, iin: iinSchema }).strict();

const kindergartenFields = {
  nameRu: nameText,
  nameKk: nameText,
  kind: z.enum(KINDERGARTEN_KINDS),
  address: nameText,
  phone: nameText,
  latitude: xmlCoordinate(90),
  longitude: xmlCoordinate(180),
};

/** R4.7: a new kindergarten of a region: what families see of it. */
export const createKindergartenSchema = z
  .object({
    regionCode: regionCodeSchema,
    ...kindergartenFields,
    phone: kindergartenFields.phone.optional(),
    latitude: kindergartenFields.latitude.optional(),
    longitude: kindergartenFields.longitude.optional(),
    /** R4.7: the languages it teaches in, comma-separated, each once: `kk`, `ru` or `kk,ru`. */
    languages: z
      .string()
      .regex(/^(kk|ru)(,(kk|ru))?$/, 'kk, ru or kk,ru')
      .transform((v) => v.split(',') as Language[])
      .refine((l) => new Set(l).size === l.length, 'each language once')
      .optional(),
  })
  .strict()
  .refine((k) => (k.latitude === undefined) === (k.longitude === undefined), { message: 'a location is latitude and longitude both', path: ['longitude'] });
export type CreateKindergarten = z.infer<typeof createKindergartenSchema>;

/**
 * R4.7: what changes of a kindergarten (at least one field); the document names it. Not its kind:
 * the kind decides which rules its places follow (R8.1), and they were entered under it.
 */
const { kind: _kind, ...changeable } = kindergartenFields;
export const updateKindergartenSchema = z
  .object({ kindergartenId: xmlRowId, ...z.object(changeable).partial().shape })
  .strict()
  .refine((k) => Object.keys(k).length > 1, 'name at least one field to change');
export type UpdateKindergarten = z.infer<typeof updateKindergartenSchema>;

/** Closing names the kindergarten closed. */
export const closeKindergartenSchema = z.object({ kindergartenId: xmlRowId }).strict();

export const kindergartenParamsSchema = z.object({ kindergartenId: paramRowIdSchema });
export const staffParamsSchema = z.object({ staffId: paramRowIdSchema });

/** A region's staff, a page at a time, newest first (the public lists' cursors, R11.1). */
export const staffListQuerySchema = z
  .object({
    role: z.enum(['operator', 'kindergarten_staff', 'pmpk_staff']).optional(),
    limit: publicFilterSchema.shape.limit,
    cursor: publicFilterSchema.shape.cursor,
  })
  .strict();

const id = z.number().int().positive();

export const regionAnswer = z.strictObject({ code: z.string(), nameRu: z.string(), nameKk: z.string(), numberPrefix: z.string() });
export const regionsAnswer = z.strictObject({ regions: z.array(regionAnswer) });

export const staffMemberAnswer = z.strictObject({
  staffId: id,
  iin: z.string().regex(/^\d{12}$/),
  lastName: z.string(),
  firstName: z.string(),
  middleName: z.string().nullable(),
  role: z.enum(['operator', 'kindergarten_staff', 'pmpk_staff']),
  organisationBin: z.string().nullable(),
  regionCode: z.string().nullable().describe('null: a national operator'),
  kindergartenId: id.nullable(),
  district: z.string().nullable(),
  addedAt: z.iso.datetime(),
});
export const staffListAnswer = z.strictObject({ staff: z.array(staffMemberAnswer), next: nextPage });

export const kindergartenAnswer = z.strictObject({
  id,
  regionCode: z.string(),
  nameRu: z.string(),
  nameKk: z.string(),
  kind: z.enum(KINDERGARTEN_KINDS),
  languages: z.array(z.enum(LANGUAGES)),
  address: z.string(),
  phone: z.string().nullable(),
  location: z.strictObject({ latitude: z.number(), longitude: z.number() }).nullable(),
  closedAt: z.iso.datetime().nullable(),
});
