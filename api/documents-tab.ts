import { printVerificationCode } from '../contracts/documents';
import { listDocuments, type DocumentRecord } from '../activities/documents/records';
import type { DocumentKind } from '../domain/documents';
import { iso } from '../domain/iso';
import words from '../templates/documents/words.json';
import type { UploadMediaType } from './uploads';
import type { UploadRecord, UploadStore } from '../db/uploads';

/**
 * R3.3: the documents tab — the documents the system issued, and the benefit documents the
 * applicant attached — as the card and GET …/documents both show it.
 */

/** R2.3: the group the benefit documents are listed under in the documents tab. */
export const ATTACHMENTS_TITLE = { ru: 'Приложения к заявлению', kk: 'Өтінішке қосымшалар' };

/** A document's title as printed on it (templates/documents/words.json), in both languages. */
export const documentTitle = (kind: DocumentKind) => ({ ru: words.ru.titles[kind], kk: words.kk.titles[kind] });

/** An issued document as the API shows it: its printed title, its code as printed. */
export const documentAnswerOf = (r: DocumentRecord) => ({ ...r, title: documentTitle(r.kind), verificationCode: printVerificationCode(r.verificationCode) });

/** R2.3, R6.2: an attached upload, without its bytes. */
const attachmentOf = (f: UploadRecord) => ({
  id: f.id,
  mediaType: f.mediaType as UploadMediaType,
  size: f.size,
  sha256: f.sha256,
  uploadedAt: iso(f.uploadedAt),
  attachedAt: iso(f.usedAt ?? f.uploadedAt),
});

/** The application's documents in the order they were issued, and its attachments, oldest first. */
export async function documentsTab(db: Parameters<typeof listDocuments>[0], store: UploadStore, number: string) {
  const [issued, files] = await Promise.all([listDocuments(db, number), store.ofApplication(number)]);
  return { issued: issued.map(documentAnswerOf), attachments: { title: ATTACHMENTS_TITLE, files: files.map(attachmentOf) } };
}
