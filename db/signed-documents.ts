import type { Db } from './connection';
import type { Signer } from '../domain/identity';

/** R1.2: every verified signed action, kept as evidence. */
export interface SignedDocumentRecord {
  nonce: string;
  action: string;
  applicationNumber: string | null;
  signer: Signer;
  xml: string;
}

/** Keeps a verified action as evidence; undefined when its nonce was used before (a replay). */
export async function recordSignedDocument(db: Db, d: SignedDocumentRecord): Promise<number | undefined> {
  const [row] = await db('signed_documents')
    .insert({
      nonce: d.nonce,
      action: d.action,
      application_number: d.applicationNumber,
      signer_iin: d.signer.iin,
      certificate_serial: d.signer.certificateSerial,
      certificate_issuer: d.signer.certificateIssuer,
      xml: d.xml,
    })
    .onConflict(['signer_iin', 'nonce'])
    .ignore()
    .returning('id');
  return row ? Number(row.id) : undefined;
}
