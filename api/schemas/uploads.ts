import { z } from 'zod';
import { MAX_BENEFIT_DOCUMENTS, UPLOAD_MEDIA_TYPES } from '../uploads';

/** R2.3, R6.2: one upload as a signed document names it: its ID and the SHA-256 the signer saw. */
export const uploadRefSchema = z
  .object({
    id: z
      .string()
      .regex(/^\d{1,15}$/, 'an upload ID is a whole number')
      .transform(Number)
      .pipe(z.number().int().positive()),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 is 64 hexadecimal digits')
      .transform((s) => s.toLowerCase()),
  })
  .strict();

/** `<benefitDocuments><upload><id>…</id><sha256>…</sha256></upload>…</benefitDocuments>`: 1–5 uploads. */
export const benefitDocumentsSchema = z
  .object({ upload: z.array(uploadRefSchema).min(1).max(MAX_BENEFIT_DOCUMENTS) })
  .strict()
  .describe(`R2.3, R6.2: the supporting documents, uploaded first (POST /api/v1/uploads); required unless the category is none; at most ${MAX_BENEFIT_DOCUMENTS}`);

/** What a signed example shows (the OpenAPI document). */
export const BENEFIT_DOCUMENTS_EXAMPLE = { upload: [{ id: 1, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }] };

export const uploadAnswer = z.strictObject({
  id: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).describe('Name it, with the ID, in the signed action: the signature covers the file'),
  mediaType: z.enum(UPLOAD_MEDIA_TYPES).describe('As the content says, not as the file was named'),
  size: z.number().int().nonnegative(),
});

/** A stored upload, the same bytes as were uploaded. */
export const uploadFile = z.instanceof(Buffer).meta({ type: 'string', description: 'The file as uploaded, with its media type' });
