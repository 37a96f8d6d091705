import type { Db } from './connection';
import { iso } from '../domain/iso';
import type { DocumentKind } from '../domain/documents';
import type { Language } from '../domain/queue';

/**
 * R9.2, R11: what a document's verification code confirms — for the API's `verifyDocument` and the
 * board's page alike; nothing personal. `code` is the stored form (contracts/documents.ts
 * `readVerificationCode`).
 */
export async function verifiedDocument(db: Db, code: string) {
  const doc = await db('documents').where({ verification_code: code }).first('kind', 'language', 'application_number', 'issued_at', 'snapshot', 'sha256');
  if (!doc) return undefined;
  return {
    kind: doc.kind as DocumentKind,
    language: doc.language as Language,
    registrationNumber: doc.application_number as string,
    issuedAt: iso(doc.issued_at),
    kindergarten: (doc.snapshot?.referral?.kindergarten?.name as string | undefined) ?? null,
    sha256: (doc.sha256 as string | null) ?? null,
  };
}
