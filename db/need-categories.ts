import type { Db } from './connection';

/** R8.1: a category of need of the correctional queue, as the portal names it. */
export interface NeedCategory {
  code: string;
  nameRu: string;
  nameKk: string;
}

/** R8.1: the categories of need, in the portal's order (the `need_categories` table is the list). */
export async function listNeedCategories(db: Db): Promise<NeedCategory[]> {
  const rows = await db('need_categories').orderBy('position').select('code', 'name_ru', 'name_kk');
  return rows.map((r) => ({ code: r.code, nameRu: r.name_ru, nameKk: r.name_kk }));
}

/** Whether `code` is a category of need. */
export async function needCategoryExists(db: Db, code: string): Promise<boolean> {
  return Boolean(await db('need_categories').where({ code }).first('code'));
}

/**
 * A row's category with its names, from the `need_category_*` columns a query selected by joining
 * `need_categories` (`needCategoryColumns`); null when the row has none (a general application, a
 * place of a kindergarten that is not correctional).
 */
export function needCategoryOf(r: Record<string, any>): NeedCategory | null {
  return r.need_category == null ? null : { code: r.need_category, nameRu: r.need_category_ru, nameKk: r.need_category_kk };
}

/** The columns `needCategoryOf` reads, of a query that left-joined `need_categories as <alias>`. */
export const needCategoryColumns = (alias: string) => [`${alias}.name_ru as need_category_ru`, `${alias}.name_kk as need_category_kk`];
