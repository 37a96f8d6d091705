import { getApplicationCard, type CardReader } from '../db/applications';
import type { Db } from '../db/connection';
import type { UploadStore } from '../db/uploads';
import { documentsTab } from './documents-tab';
import { withCauseWords, withStatusWords } from './labels';
import { uploadStoreOf } from './uploads';

/**
 * R3.3: the card as people read it — its three tabs: information, the history with each cause in
 * words, and documents (issued and attached) — for an applicant or an operator. Undefined when the
 * reader may not see it, exactly as when it does not exist.
 */
export async function readCard(deps: { db: Db; uploads?: UploadStore }, number: string, reader: CardReader) {
  const card = await getApplicationCard(deps.db, number, reader);
  if (!card) return undefined;
  return { ...withStatusWords(card), history: withCauseWords(card.history), documents: await documentsTab(deps.db, uploadStoreOf(deps), card.number) };
}
