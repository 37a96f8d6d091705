import { createHash } from 'node:crypto';
import net from 'node:net';
import { startApi, type ApiHarness } from '../helpers/api';
import { buildFamily, type Family } from '../helpers/factories';
import { MAX_UPLOAD_BYTES } from '../../api/uploads';

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1'), Buffer.alloc(2000, 0x20), Buffer.from('\n%%EOF\n')]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from([0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]), Buffer.alloc(500, 7)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 1)]);
/** A Windows executable: "MZ", then a DOS stub. */
const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(400, 0), Buffer.from('This program cannot be run in DOS mode.', 'latin1')]);

const uploadsOf = (iin: string) => api.db('uploads').where({ owner_iin: iin });
const rowCount = async (iin: string) => Number((await uploadsOf(iin).count({ n: '*' }))[0]!.n);
const refs = (...answers: Array<{ id: number; sha256: string }>) => ({ upload: answers.map(({ id, sha256 }) => ({ id, sha256 })) });

async function uploaded(iin: string, bytes: Buffer, opts?: { filename?: string; type?: string }) {
  const res = await api.upload(iin, bytes, opts);
  expect([res.status, res.body]).toEqual([201, { id: expect.any(Number), sha256: sha(bytes), mediaType: expect.any(String), size: bytes.length }]);
  return res.body as { id: number; sha256: string; mediaType: string; size: number };
}

/**
 * A request by hand over a socket: the headers and `head` of the body are sent, then more only
 * while `more` gives chunks and no answer has come. What came back, and how many body bytes went.
 */
function rawUpload(token: string, headers: Record<string, string>, head: Buffer, more?: () => Buffer | undefined): Promise<{ answer: string; sent: number }> {
  const url = new URL(api.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let answer = '';
    let sent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, sent });
    };
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}/.test(answer)) finish();
    });
    socket.on('error', () => (answer ? finish() : reject(new Error('the connection failed before any answer'))));
    socket.on('close', () => (answer ? finish() : reject(new Error('closed without an answer'))));
    let timer: NodeJS.Timeout | undefined;
    const lines = [`POST /api/v1/uploads HTTP/1.1`, `Host: ${url.host}`, `Authorization: Bearer ${token}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    socket.write(head);
    sent += head.length;
    const pump = () => {
      while (!done) {
        const chunk = more?.();
        if (!chunk) return;
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
    timer = setTimeout(finish, 10_000);
  });
}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
const codeOf = (raw: string) => /"code":"(\w+)"/.exec(raw)?.[1];

describe('R2.3, R6.2: benefit documents, uploaded first and named by the signed action', () => {
  let family: Family;
  beforeEach(async () => {
    family = await buildFamily(api.db, { childBirthDate: '2022-03-03' });
  });

  it('R2.3 uploads a PDF and a PNG, files with a benefit category naming them; the documents tab lists them under «Приложения к заявлению» and each downloads as the same bytes', async () => {
    const pdf = await uploaded(family.parentIin, PDF);
    const png = await uploaded(family.parentIin, PNG, { filename: 'scan.pdf', type: 'application/pdf' });
    expect([pdf.mediaType, png.mediaType]).toEqual(['application/pdf', 'image/png']);

    const filed = await api.file(family, { benefitCategory: 'first_priority', benefitDocuments: refs(pdf, png) });
    expect(filed.status).toBe(201);
    const number: string = filed.body.number;
    expect(filed.body.benefitCategory).toBe('first_priority');
    expect(await uploadsOf(family.parentIin).orderBy('id').select('id', 'application_number')).toEqual([
      { id: String(pdf.id), application_number: number },
      { id: String(png.id), application_number: number },
    ]);

    const list = await api.request('GET', `/api/v1/applications/${number}/documents`, { iin: family.parentIin });
    expect(list.status).toBe(200);
    expect(list.body.attachments).toEqual({
      title: { ru: 'Приложения к заявлению', kk: 'Өтінішке қосымшалар' },
      files: [
        { id: pdf.id, mediaType: 'application/pdf', size: PDF.length, sha256: sha(PDF), uploadedAt: expect.any(String), attachedAt: expect.any(String) },
        { id: png.id, mediaType: 'image/png', size: PNG.length, sha256: sha(PNG), uploadedAt: expect.any(String), attachedAt: expect.any(String) },
      ],
    });
    const token = await api.login(family.parentIin);
    for (const [id, bytes, type] of [[pdf.id, PDF, 'application/pdf'], [png.id, PNG, 'image/png']] as const) {
      const res = await fetch(`${api.baseUrl}/api/v1/applications/${number}/attachments/${id}`, { headers: { authorization: `Bearer ${token}` } });
      expect([res.status, res.headers.get('content-type'), res.headers.get('etag')]).toEqual([200, type, `"${sha(bytes)}"`]);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
    // Someone else sees neither the list nor the files (R3.2).
    const stranger = await buildFamily(api.db);
    const theirs = await api.request('GET', `/api/v1/applications/${number}/attachments/${pdf.id}`, { iin: stranger.parentIin });
    expect([theirs.status, theirs.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('R2.3 a benefit category without documents is refused, and nothing is filed', async () => {
    const res = await api.file(family, { benefitCategory: 'first_priority' });
    expect([res.status, res.body.code, res.body.field]).toEqual([400, 'BENEFIT_DOCUMENTS_REQUIRED', 'benefitDocuments']);
    expect(await api.db('applications').where({ child_iin: family.childIin }).first()).toBeUndefined();
  });

  it('R2.3 a file whose SHA-256 differs from the signed one is refused (UPLOAD_MISMATCH): nothing is filed and the upload stays unused', async () => {
    const pdf = await uploaded(family.parentIin, PDF);
    const otherHash = sha(Buffer.from('another file'));
    const res = await api.file(family, { benefitCategory: 'out_of_turn', benefitDocuments: refs({ id: pdf.id, sha256: otherHash }) });
    expect([res.status, res.body.code]).toEqual([422, 'UPLOAD_MISMATCH']);
    expect(await api.db('applications').where({ child_iin: family.childIin }).first()).toBeUndefined();
    expect(await uploadsOf(family.parentIin).select('application_number', 'used_at')).toEqual([{ application_number: null, used_at: null }]);
    // Another person's upload is unknown to the signer, even with the right hash.
    const stranger = await buildFamily(api.db);
    const theirs = await uploaded(stranger.parentIin, PNG);
    const borrowed = await api.file(family, { benefitCategory: 'out_of_turn', benefitDocuments: refs(pdf, theirs) });
    expect([borrowed.status, borrowed.body.code]).toEqual([422, 'UPLOAD_UNKNOWN']);
    expect(await api.db('uploads').whereIn('id', [pdf.id, theirs.id]).whereNotNull('used_at').first()).toBeUndefined();
    // The same upload with its real hash files; used once, it cannot be named again.
    const filed = await api.file(family, { benefitCategory: 'out_of_turn', benefitDocuments: refs(pdf) });
    expect(filed.status).toBe(201);
    const again = await api.act(family.parentIin, filed.body.number, 'change-benefit-category', { benefitCategory: 'first_priority', benefitDocuments: refs(pdf) });
    expect([again.status, again.body.code]).toEqual([422, 'UPLOAD_UNKNOWN']);
    expect((await api.request('GET', `/api/v1/applications/${filed.body.number}`, { iin: family.parentIin })).body.benefitCategory).toBe('out_of_turn');
  });

  it('R6.2 changing the benefit category takes its documents and attaches them; without them it is refused and nothing changes', async () => {
    const filed = await api.file(family);
    expect(filed.status).toBe(201);
    const number: string = filed.body.number;
    const bare = await api.act(family.parentIin, number, 'change-benefit-category', { benefitCategory: 'first_priority' });
    expect([bare.status, bare.body.code]).toEqual([400, 'BENEFIT_DOCUMENTS_REQUIRED']);
    const jpeg = await uploaded(family.parentIin, JPEG, { filename: 'photo.png', type: 'image/png' });
    expect(jpeg.mediaType).toBe('image/jpeg');
    const changed = await api.act(family.parentIin, number, 'change-benefit-category', { benefitCategory: 'first_priority', benefitDocuments: refs(jpeg) });
    expect([changed.status, changed.body.benefitCategory]).toEqual([200, 'first_priority']);
    const list = await api.request('GET', `/api/v1/applications/${number}/documents`, { iin: family.parentIin });
    expect(list.body.attachments.files).toEqual([expect.objectContaining({ id: jpeg.id, mediaType: 'image/jpeg', sha256: sha(JPEG) })]);
  });

  it('R2.3 an executable named .pdf and declared application/pdf is refused by its content (415), and no row is kept', async () => {
    const res = await api.upload(family.parentIin, EXE, { filename: 'certificate.pdf', type: 'application/pdf' });
    expect([res.status, res.body.code]).toEqual([415, 'UNSUPPORTED_UPLOAD_TYPE']);
    const empty = await api.upload(family.parentIin, Buffer.alloc(0));
    expect([empty.status, empty.body.code]).toEqual([415, 'UNSUPPORTED_UPLOAD_TYPE']);
    expect(await rowCount(family.parentIin)).toBe(0);
  });

  it('R2.3 an upload larger than 5 MB is refused (413) by its Content-Length before the body is read: the answer comes with 1 KB of a declared 50 MB sent; no row is kept', async () => {
    const token = await api.login(family.parentIin);
    const boundary = 'x-boundary-1';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n${' '.repeat(1000)}`, 'latin1');
    const { answer, sent } = await rawUpload(token, { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(50 * 1024 * 1024) }, head);
    expect([statusOf(answer), codeOf(answer)]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    expect(sent).toBeLessThan(2000);
    expect(await rowCount(family.parentIin)).toBe(0);
  });

  it('R2.3 a file of exactly 5 MB is taken', async () => {
    const full = Buffer.concat([PDF, Buffer.alloc(MAX_UPLOAD_BYTES - PDF.length, 0x20)]);
    expect((await uploaded(family.parentIin, full)).size).toBe(MAX_UPLOAD_BYTES);
    const over = await api.upload(family.parentIin, Buffer.concat([full, Buffer.from(' ')]));
    expect([over.status, over.body.code]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    expect(await rowCount(family.parentIin)).toBe(1);
  });

  it('R2.3 an upload without Content-Length is refused (413) as its bytes pass 5 MB, long before the 50 MB it would send; no row is kept', async () => {
    const token = await api.login(family.parentIin);
    const boundary = 'x-boundary-2';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n%PDF-1.7\n`, 'latin1');
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const total = 50 * 1024 * 1024;
    let planned = 0;
    // Chunked transfer coding: each chunk is its size in hex, CRLF, the bytes, CRLF.
    const frame = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    const { answer, sent } = await rawUpload(token, { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' }, frame(head), () => {
      if (planned >= total) return undefined;
      planned += chunk.length;
      return frame(chunk);
    });
    expect([statusOf(answer), codeOf(answer)]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    expect(sent).toBeLessThan(total / 2);
    expect(await rowCount(family.parentIin)).toBe(0);
  });

  it('R2.3 a refused upload’s connection is not reset under the client: after the 413 the server reads and drops what still comes', async () => {
    const token = await api.login(family.parentIin);
    const url = new URL(api.baseUrl);
    const socket = net.connect(Number(url.port), url.hostname);
    const failures: string[] = [];
    socket.on('error', (err) => failures.push(`error ${(err as NodeJS.ErrnoException).code}`));
    socket.on('end', () => failures.push('the server closed'));
    let answer = '';
    const answered = new Promise<void>((resolve) =>
      socket.on('data', (d) => {
        answer += d.toString('latin1');
        if (/\r\n\r\n[\s\S]*\}/.test(answer)) resolve();
      }),
    );
    // Content-Length over the limit: refused before a byte of the body is read, while the client keeps sending.
    socket.write(`POST /api/v1/uploads HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`);
    await answered;
    expect([statusOf(answer), codeOf(answer)]).toEqual([413, 'UPLOAD_TOO_LARGE']);
    // Closing with these bytes unread would reset the connection (and could cost a client the answer).
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let i = 0; i < 8; i++) {
      socket.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(failures).toEqual([]);
    socket.destroy();
    expect(await rowCount(family.parentIin)).toBe(0);
  });

  it('R2.3 a file the scanner finds infected is refused (422 UPLOAD_REJECTED) and not kept; the scanner sees the bytes and the type by content', async () => {
    const seen: Array<[string, number]> = [];
    api.deps.scanner = { scan: async (bytes, mediaType) => (seen.push([mediaType, bytes.length]), { infected: 'EICAR-Test-File' }) };
    try {
      const res = await api.upload(family.parentIin, PDF);
      expect([res.status, res.body.code]).toEqual([422, 'UPLOAD_REJECTED']);
    } finally {
      delete api.deps.scanner;
    }
    expect(seen).toEqual([['application/pdf', PDF.length]]);
    expect(await rowCount(family.parentIin)).toBe(0);
  });

  it('R2.3 one file per request, in the field `file`; JSON is not an upload; at most 20 unused uploads a person', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(PDF)]), 'a.pdf');
    form.append('file', new Blob([new Uint8Array(PNG)]), 'b.png');
    const token = await api.login(family.parentIin);
    const two = await fetch(`${api.baseUrl}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect([two.status, ((await two.json()) as { code: string }).code]).toEqual([400, 'UPLOAD_MALFORMED']);
    const named = new FormData();
    named.append('document', new Blob([new Uint8Array(PDF)]), 'a.pdf');
    const wrongField = await fetch(`${api.baseUrl}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: named });
    expect([wrongField.status, ((await wrongField.json()) as { code: string }).code]).toEqual([400, 'UPLOAD_MALFORMED']);
    const json = await api.request('POST', '/api/v1/uploads', { iin: family.parentIin, body: { file: 'JVBERi0=' } });
    expect([json.status, json.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const anonymous = await fetch(`${api.baseUrl}/api/v1/uploads`, { method: 'POST', body: form });
    expect(anonymous.status).toBe(401);
    // Another method on the upload path is the router's 405 with Allow, not a 415 for its body.
    for (const method of ['PUT', 'PATCH']) {
      const other = await fetch(`${api.baseUrl}/api/v1/uploads`, { method, headers: { authorization: `Bearer ${token}` }, body: named });
      expect([method, other.status, other.headers.get('allow')]).toEqual([method, 405, 'POST']);
    }
    expect(await rowCount(family.parentIin)).toBe(0);

    await api.db('uploads').insert(
      Array.from({ length: 20 }, () => ({ owner_iin: family.parentIin, media_type: 'application/pdf', size: PDF.length, sha256: sha(PDF), content: PDF })),
    );
    const over = await api.upload(family.parentIin, PDF);
    expect([over.status, over.body.code]).toEqual([409, 'TOO_MANY_UPLOADS']);
    expect(await rowCount(family.parentIin)).toBe(20);
  });
});
