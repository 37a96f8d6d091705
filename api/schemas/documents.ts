import { z } from 'zod';
import { DOCUMENT_KINDS } from '../../domain/documents';
import { LANGUAGES } from '../../domain/queue';
import { paramBigRowIdSchema } from './common';
import { applicationNumberSchema } from './applications';

/** The path of one document of an application. */
export const documentParamsSchema = z.object({ number: applicationNumberSchema, id: paramBigRowIdSchema });

/**
 * A verification code as printed (five groups of four, hyphenated) or typed: with or without the
 * separators (a hyphen or a space), in either case. Crockford's base32 (contracts/documents.ts) reads
 * it; a code of the right shape that names no document is 404.
 */
export const verificationParamsSchema = z.object({
  code: z
    .string()
    .max(24)
    .regex(/^[0-9A-Za-z]{4}(?:[- ]?[0-9A-Za-z]{4}){4}$/, 'a verification code is 20 letters and digits, in groups of four')
    .meta({ examples: ['7K3M-Q9TX-4HND-Z2WB-8PRC'] }),
});

/** R9.2: a document of the application in a language: the other one, or one that failed, asked again. */
export const requestDocumentSchema = z.object({ kind: z.enum(DOCUMENT_KINDS), language: z.enum(LANGUAGES) }).strict();
