import type { Db } from './connection';

/** R1.3: the e-mail asked at first login. */
export async function setEmail(db: Db, iin: string, email: string): Promise<void> {
  await db('accounts').where({ iin }).update({ email });
}
