import type { Db } from './connection';

/** One stored upload, as its owner and the documents tab see it (without its bytes). */
export interface UploadRecord {
  id: number;
  ownerIin: string;
  mediaType: string;
  size: number;
  sha256: string;
  uploadedAt: Date;
  applicationNumber: string | null;
  usedAt: Date | null;
}

/** What a signed action names of an upload: its ID and the SHA-256 the signer saw. */
export interface UploadRef {
  id: number;
  sha256: string;
}

export type ClaimOutcome = { claimed: true } | { claimed: false; code: 'UPLOAD_UNKNOWN' | 'UPLOAD_MISMATCH'; id: number };

/**
 * Where uploads are kept (R2.3, R6.2). The PostgreSQL store below is the one the API uses; another
 * (object storage, say) implements the same calls.
 */
export interface UploadStore {
  /** Stores an upload that passed every check; its ID. */
  put(upload: { ownerIin: string; mediaType: string; sha256: string; content: Buffer }): Promise<number>;
  /** How many uploads the person holds that no action has used yet. */
  unusedCount(ownerIin: string): Promise<number>;
  /**
   * Marks the owner's unused uploads as used, all or none: each must be the owner's, unused, and
   * have exactly the SHA-256 named. Refused, nothing changes.
   */
  claim(ownerIin: string, refs: readonly UploadRef[]): Promise<ClaimOutcome>;
  /** Attaches claimed uploads to the application they were used for. */
  link(ids: readonly number[], applicationNumber: string): Promise<void>;
  /** Gives back claimed uploads whose action was refused after all. */
  release(ids: readonly number[]): Promise<void>;
  /** The uploads attached to an application, oldest first. */
  ofApplication(applicationNumber: string): Promise<UploadRecord[]>;
  /** One upload attached to an application, with its bytes. */
  content(applicationNumber: string, id: number): Promise<{ mediaType: string; sha256: string; content: Buffer } | undefined>;
}

const record = (r: any): UploadRecord => ({
  id: Number(r.id),
  ownerIin: r.owner_iin,
  mediaType: r.media_type,
  size: r.size,
  sha256: r.sha256,
  uploadedAt: r.uploaded_at,
  applicationNumber: r.application_number,
  usedAt: r.used_at,
});

export function postgresUploadStore(db: Db): UploadStore {
  return {
    async put({ ownerIin, mediaType, sha256, content }) {
      const [row] = await db('uploads').insert({ owner_iin: ownerIin, media_type: mediaType, size: content.length, sha256, content }).returning('id');
      return Number(row.id);
    },
    async unusedCount(ownerIin) {
      const [row] = await db('uploads').where({ owner_iin: ownerIin }).whereNull('used_at').count({ count: '*' });
      return Number(row?.count ?? 0);
    },
    async claim(ownerIin, refs) {
      return db.transaction(async (trx) => {
        const ids = refs.map((r) => r.id);
        const rows = await trx('uploads').whereIn('id', ids).where({ owner_iin: ownerIin }).whereNull('used_at').forUpdate().select('id', 'sha256');
        const byId = new Map(rows.map((r) => [Number(r.id), r.sha256 as string]));
        for (const ref of refs) {
          const sha = byId.get(ref.id);
          if (sha === undefined) return { claimed: false, code: 'UPLOAD_UNKNOWN', id: ref.id } as const;
          if (sha !== ref.sha256) return { claimed: false, code: 'UPLOAD_MISMATCH', id: ref.id } as const;
        }
        await trx('uploads').whereIn('id', ids).update({ used_at: trx.fn.now() });
        return { claimed: true } as const;
      });
    },
    async link(ids, applicationNumber) {
      if (ids.length) await db('uploads').whereIn('id', ids).update({ application_number: applicationNumber });
    },
    async release(ids) {
      if (ids.length) await db('uploads').whereIn('id', ids).whereNull('application_number').update({ used_at: null });
    },
    async ofApplication(applicationNumber) {
      const rows = await db('uploads').where({ application_number: applicationNumber }).orderBy('id').select('id', 'owner_iin', 'media_type', 'size', 'sha256', 'uploaded_at', 'application_number', 'used_at');
      return rows.map(record);
    },
    async content(applicationNumber, id) {
      const row = await db('uploads').where({ id, application_number: applicationNumber }).first('media_type', 'sha256', 'content');
      return row && { mediaType: row.media_type, sha256: row.sha256, content: row.content };
    },
  };
}
