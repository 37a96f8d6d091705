import type { Db } from '../db/connection';
import { listNeedCategories, needCategoryExists } from '../db/need-categories';
import { Problem } from './problems';

/**
 * R8.1: a correctional application, and a place of a correctional kindergarten, name a category of
 * need from the list; anything else names none. `where` says where the field was (filing: the signed
 * document; place entry: the body).
 */
export async function checkNeedCategory(db: Db, correctional: boolean, needCategory: string | undefined, where: Record<string, unknown> = {}): Promise<void> {
  if (!correctional && needCategory !== undefined) {
    throw new Problem('NEED_CATEGORY_NOT_APPLICABLE', 'a category of need is for the correctional queue and correctional kindergartens only', { field: 'needCategory', ...where });
  }
  if (correctional && needCategory === undefined) {
    throw new Problem('NEED_CATEGORY_REQUIRED', 'the correctional queue needs a category of need', { field: 'needCategory', ...where });
  }
  if (needCategory !== undefined) await checkNeedCategoryExists(db, needCategory, where);
}

/** R8.1: UNKNOWN_NEED_CATEGORY, naming the list, unless `code` is on it. */
export async function checkNeedCategoryExists(db: Db, code: string, where: Record<string, unknown> = {}): Promise<void> {
  if (await needCategoryExists(db, code)) return;
  const allowed = (await listNeedCategories(db)).map((c) => c.code);
  throw new Problem('UNKNOWN_NEED_CATEGORY', `the categories of need are: ${allowed.join(', ')}`, { field: 'needCategory', ...where, allowed });
}
