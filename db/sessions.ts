import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './connection';
import type { CertificateHolder, Signer } from '../domain/identity';

export interface Session {
  id: number;
  iin: string;
  holder: CertificateHolder;
  name: string;
  /** For employees: the employer's BIN their certificate names. */
  organisationBin: string | null;
  email: string | null;
  expiresAt: Date;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export async function openSession(db: Db, signer: Signer, ttlMs: number): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  return db.transaction(async (trx) => {
    // Ended sessions are kept a month (the audit log keeps who logged in for longer).
    await trx('sessions').where('expires_at', '<', new Date(Date.now() - 30 * 86_400_000)).delete();
    const [account] = await trx('accounts')
      .insert({ iin: signer.iin })
      .onConflict('iin')
      .merge({ last_login_at: trx.fn.now() })
      .returning('email');
    const [row] = await trx('sessions')
      .insert({
        token_hash: hashToken(token),
        iin: signer.iin,
        holder: signer.holder,
        name: signer.name,
        organisation_bin: signer.organisationBin,
        certificate_serial: signer.certificateSerial,
        expires_at: expiresAt,
      })
      .returning('id');
    const session: Session = {
      id: Number(row.id),
      iin: signer.iin,
      holder: signer.holder,
      name: signer.name,
      organisationBin: signer.organisationBin,
      email: account.email,
      expiresAt,
    };
    return { token, session };
  });
}

export async function findSession(db: Db, token: string): Promise<Session | undefined> {
  const row = await db('sessions as s')
    .leftJoin('accounts as a', 'a.iin', 's.iin')
    .where({ 's.token_hash': hashToken(token) })
    .whereNull('s.revoked_at')
    .andWhere('s.expires_at', '>', db.fn.now())
    .first('s.id', 's.iin', 's.holder', 's.name', 's.organisation_bin', 's.expires_at', 'a.email');
  if (!row) return undefined;
  return {
    id: Number(row.id),
    iin: row.iin,
    holder: row.holder,
    name: row.name,
    organisationBin: row.organisation_bin,
    email: row.email,
    expiresAt: row.expires_at,
  };
}

export async function revokeSession(db: Db, id: number): Promise<void> {
  await db('sessions').where({ id }).update({ revoked_at: db.fn.now() });
}

/**
 * Ends at once every session a person holds with an employee certificate of `organisationBin`:
 * their staff rights under that employer were taken away or changed. Call it in the transaction
 * of the change. How many sessions it ended.
 */
export async function revokeEmployeeSessions(db: Db, iin: string, organisationBin: string): Promise<number> {
  return db('sessions').where({ iin, holder: 'employee', organisation_bin: organisationBin }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
}
