import { z } from 'zod';
import { BENEFIT_CATEGORIES } from '../../domain/queue';

/** Bodies of the applicant's actions on an application (R4.6, R5.5, R6.2); the rest take none. */
export const chooseKindergartenSchema = z.object({ placeId: z.number().int().positive() }).strict();
export const extendReferralSchema = z.object({ days: z.number().int() }).strict();
export const changeBenefitCategorySchema = z.object({ benefitCategory: z.enum(BENEFIT_CATEGORIES) }).strict();
export const noBodySchema = z.object({}).strict();
