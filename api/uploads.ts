import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { postgresUploadStore, type UploadRef, type UploadStore } from '../db/uploads';
import type { BenefitCategory } from '../domain/queue';
import { Problem } from './problems';

/**
 * R2.3, R6.2: the supporting documents of a benefit category. A file is uploaded first (one per
 * request, multipart/form-data, field `file`), checked by its bytes, scanned and stored; the signed
 * action then names each upload by ID and SHA-256, so the signature covers the files.
 */

export const UPLOAD_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type UploadMediaType = (typeof UPLOAD_MEDIA_TYPES)[number];

/** The largest file accepted. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
/** What multipart framing may add to the file: the boundary lines and the part's headers. */
export const MULTIPART_OVERHEAD_BYTES = 16 * 1024;
/** The most files an action may name. */
export const MAX_BENEFIT_DOCUMENTS = 5;
/** The most uploads a person may hold that no action has used yet. */
export const MAX_UNUSED_UPLOADS = 20;

/** An upload's verdict: clean, or the name of what was found. */
export type ScanVerdict = 'clean' | { infected: string };

/**
 * Checks each upload before it is stored (an antivirus, say). Pass one as `scanner` in AppDeps
 * (api/main.ts builds them); absent, `noScanner` lets everything through.
 */
export interface Scanner {
  scan(bytes: Buffer, mediaType: UploadMediaType): Promise<ScanVerdict>;
}

export const noScanner: Scanner = { scan: async () => 'clean' };

/** What the file is, by its first bytes; the declared type and the file name are never trusted. */
export function sniffMediaType(bytes: Buffer): UploadMediaType | undefined {
  if (bytes.subarray(0, 5).equals(Buffer.from('%PDF-', 'latin1'))) return 'application/pdf';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
  return undefined;
}

const tooLarge = () => new Problem('UPLOAD_TOO_LARGE', `a file may be at most ${MAX_UPLOAD_BYTES} bytes`);
const malformed = (detail: string) => new Problem('UPLOAD_MALFORMED', detail);

/** How long a refused upload's connection stays open after the answer while the client still sends. */
const LINGER_MS = 2_000;

/**
 * Refuses the rest of a body without resetting the connection under the client's feet: a socket
 * closed with unread bytes is reset, and the client may lose the answer before it reads it (RFC
 * 9112 §9.6; seen as a flaky upload test under load). What still comes is read and dropped, never
 * held; once the answer has gone the connection closes after LINGER_MS unless the body ended first.
 */
function dropRest(ctx: Context): Problem {
  const { req, res } = ctx;
  req.resume();
  res.once('finish', () => {
    if (req.readableEnded) return;
    const timer = setTimeout(() => req.socket?.destroy(), LINGER_MS);
    req.once('end', () => clearTimeout(timer));
  });
  return tooLarge();
}

/**
 * Reads the request body, refusing it as soon as it is larger than a file and its framing may be:
 * by Content-Length before anything is read, and by the bytes as they arrive (chunked, or a
 * Content-Length that lied). Nothing larger is ever held.
 */
async function readBounded(ctx: Context): Promise<Buffer> {
  const limit = MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES;
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw dropRest(ctx);
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early must not destroy the request (and its socket): dropRest reads on.
  for await (const chunk of ctx.req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > limit) throw dropRest(ctx);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** The boundary of a multipart/form-data Content-Type (RFC 2046: 1–70 characters of a small set). */
function boundaryOf(ctx: Context): string {
  if (!ctx.is('multipart/form-data')) throw new Problem('UNSUPPORTED_MEDIA_TYPE', 'send the file as multipart/form-data, in the field `file`');
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([0-9A-Za-z'()+_,\-./:=?]{1,70}))\s*(?:;|$)/i.exec(ctx.get('content-type'));
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw malformed('the multipart/form-data Content-Type names no boundary');
  return boundary;
}

/** The one part of a multipart/form-data body: its field name and bytes. Anything but one part named `file` is refused. */
export function onlyFilePart(body: Buffer, boundary: string): Buffer {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const between = Buffer.from(`\r\n--${boundary}`, 'latin1');
  if (!body.subarray(0, delimiter.length).equals(delimiter)) throw malformed('the body does not start with the boundary');
  let at = delimiter.length;
  const parts: Array<{ name: string | undefined; content: Buffer }> = [];
  for (;;) {
    if (body.subarray(at, at + 2).toString('latin1') === '--') break;
    if (body.subarray(at, at + 2).toString('latin1') !== '\r\n') throw malformed('a boundary line is not followed by CRLF');
    const headersEnd = body.indexOf('\r\n\r\n', at + 2, 'latin1');
    if (headersEnd < 0) throw malformed('a part has no end of headers');
    const headers = body.subarray(at + 2, headersEnd).toString('utf8');
    const end = body.indexOf(between, headersEnd + 4);
    if (end < 0) throw malformed('a part has no closing boundary');
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    parts.push({ name, content: body.subarray(headersEnd + 4, end) });
    if (parts.length > 1) throw malformed('send one file per request, in the field `file`');
    at = end + between.length;
  }
  if (parts.length !== 1 || parts[0]!.name !== 'file') throw malformed('send one file per request, in the field `file`');
  return parts[0]!.content;
}

export interface StoredUpload {
  id: number;
  sha256: string;
  mediaType: UploadMediaType;
  size: number;
}

export interface UploadDeps {
  uploads?: UploadStore;
  scanner?: Scanner;
}

/** The deps' upload store: the one given, else PostgreSQL. */
export const uploadStoreOf = (deps: { db: Parameters<typeof postgresUploadStore>[0]; uploads?: UploadStore }) => deps.uploads ?? postgresUploadStore(deps.db);

/**
 * Receives one upload for `ownerIin`: bounded, one file, a PDF, JPEG or PNG by its bytes, scanned,
 * within the person's allowance of unused uploads. Only a file that passed all of it is stored.
 */
export async function receiveUpload(ctx: Context, store: UploadStore, scanner: Scanner, ownerIin: string): Promise<StoredUpload> {
  const boundary = boundaryOf(ctx);
  const content = onlyFilePart(await readBounded(ctx), boundary);
  if (content.length > MAX_UPLOAD_BYTES) throw tooLarge();
  const mediaType = sniffMediaType(content);
  if (!mediaType) throw new Problem('UNSUPPORTED_UPLOAD_TYPE', 'the file is not a PDF, JPEG or PNG (judged by its content, not its name or declared type)');
  const verdict = await scanner.scan(content, mediaType);
  if (verdict !== 'clean') throw new Problem('UPLOAD_REJECTED', `the file was refused by the scanner: ${verdict.infected}`);
  if ((await store.unusedCount(ownerIin)) >= MAX_UNUSED_UPLOADS) {
    throw new Problem('TOO_MANY_UPLOADS', `you hold ${MAX_UNUSED_UPLOADS} uploads no application uses yet; use them or let them go first`);
  }
  const sha256 = createHash('sha256').update(content).digest('hex');
  const id = await store.put({ ownerIin, mediaType, sha256, content });
  return { id, sha256, mediaType, size: content.length };
}

/** The uploads a signed document names, as its schema reads them. */
export interface BenefitDocuments {
  upload: UploadRef[];
}

/**
 * R2.3, R6.2: performs an action that sets `category`, with the documents it names: at least one
 * unless the category is 'none'. Each must be the signer's own unused upload with exactly the
 * SHA-256 signed; they are claimed before the action and attached to its application after it, or
 * given back if it was refused, so a refusal changes nothing.
 */
export async function withBenefitDocuments<T>(
  store: UploadStore,
  ownerIin: string,
  category: BenefitCategory,
  documents: BenefitDocuments | undefined,
  perform: () => Promise<T>,
  applicationOf: (result: T) => string,
): Promise<T> {
  const refs = documents?.upload ?? [];
  if (category !== 'none' && refs.length === 0) {
    throw new Problem('BENEFIT_DOCUMENTS_REQUIRED', 'a benefit category needs its supporting documents: upload them, then list them in <benefitDocuments>', {
      field: 'benefitDocuments',
    });
  }
  if (refs.length === 0) return perform();
  if (new Set(refs.map((r) => r.id)).size !== refs.length) throw new Problem('UPLOAD_MISMATCH', 'an upload is listed twice', { field: 'benefitDocuments' });
  const claim = await store.claim(ownerIin, refs);
  if (!claim.claimed) {
    throw new Problem(
      claim.code,
      claim.code === 'UPLOAD_UNKNOWN' ? `no unused upload ${claim.id} of yours` : `upload ${claim.id} has another SHA-256 than the one signed`,
      { field: 'benefitDocuments' },
    );
  }
  const ids = refs.map((r) => r.id);
  let result: T;
  try {
    result = await perform();
  } catch (err) {
    await store.release(ids);
    throw err;
  }
  await store.link(ids, applicationOf(result));
  return result;
}
