import { z } from 'zod';
import { BENEFIT_CATEGORIES, LANGUAGES } from '../../domain/queue';
import { iinSchema, needCategorySchema } from './applications';
import { benefitDocumentsSchema } from './uploads';

/** A whole number as written in a signed XML document. */
const xmlInteger = z
  .string()
  .regex(/^-?\d{1,9}$/, 'a whole number')
  .transform(Number);

/**
 * The fields of each signed action document (R1.2) besides applicationNumber, nonce and signedAt:
 * the document's root element is the action's name. Filing takes fileApplicationSchema.
 */
export const chooseKindergartenSchema = z.object({ placeId: xmlInteger.pipe(z.number().int().positive()) }).strict();
export const extendReferralSchema = z.object({ days: xmlInteger.pipe(z.number().int()) }).strict();
/** R6.2: with the documents of the new category (required unless it is none). */
export const changeBenefitCategorySchema = z.object({ benefitCategory: z.enum(BENEFIT_CATEGORIES), benefitDocuments: benefitDocumentsSchema.optional() }).strict();
/** R8.1: whether the list has the code is checked by the route (UNKNOWN_NEED_CATEGORY). */
export const changeNeedCategorySchema = z.object({ needCategory: needCategorySchema }).strict();
export const noParamsSchema = z.object({}).strict();
/** R9.1: the language notices and documents are written in. */
export const changeLanguageSchema = z.object({ language: z.enum(LANGUAGES) }).strict();

/** R3.2: a parent attaches their child's application by its number and the child's IIN. */
export const attachApplicationSchema = z.object({ childIin: iinSchema }).strict();
