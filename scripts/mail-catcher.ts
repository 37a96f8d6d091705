/**
 * The local mail catcher `npm start` runs when no SMTP_URL is given: an SMTP server that accepts
 * every message (MAIL_CATCHER_SMTP_PORT, default 1025) and a page that lists them, newest first
 * (MAIL_CATCHER_PORT, default 1080). Each message is also kept as .data/mail/<n>.eml.
 *
 * Why our own: it is the `smtp-server` and `mailparser` the project already uses (the notice tests
 * receive mail with them), so it needs no Go build (Mailpit) and no extra dependency tree (maildev).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { loggerFromEnv } from '../telemetry/log';

const SMTP_PORT = Number(process.env.MAIL_CATCHER_SMTP_PORT ?? 1025);
const WEB_PORT = Number(process.env.MAIL_CATCHER_PORT ?? 1080);
const KEEP = 500;
const folder = path.join(process.cwd(), '.data', 'mail');
const log = loggerFromEnv('mail');

interface Caught {
  id: number;
  at: string;
  from: string;
  to: string;
  subject: string;
  messageId: string;
  text: string;
  html: string | null;
}

const caught: Caught[] = [];
let next = 1;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks);
      const id = next++;
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, `${id}.eml`), raw);
      simpleParser(raw)
        .then((mail) => {
          caught.unshift({
            id,
            at: new Date().toISOString(),
            from: mail.from?.text ?? '',
            to: session.envelope.rcptTo.map((r) => r.address).join(', '),
            subject: mail.subject ?? '',
            messageId: mail.messageId ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : null,
          });
          caught.splice(KEEP);
          callback();
        })
        .catch((err: Error) => callback(err));
    });
  },
});

function page(): string {
  const rows = caught
    .map(
      (m) => `<article><h2>${escapeHtml(m.subject)}</h2>
<p class="meta">#${m.id} · ${escapeHtml(m.at)} · to ${escapeHtml(m.to)} · <a href="/messages/${m.id}.eml">.eml</a>${m.html ? ` · <a href="/messages/${m.id}.html">HTML</a>` : ''}</p>
<pre>${escapeHtml(m.text)}</pre></article>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Mail catcher</title>
<style>body{font-family:sans-serif;margin:2rem;max-width:60rem}article{border-bottom:1px solid #ccc;padding:.5rem 0}.meta{color:#555;font-size:.9em}pre{white-space:pre-wrap}</style>
<h1>Mail the service sent (${caught.length})</h1><p>SMTP on 127.0.0.1:${SMTP_PORT}. Newest first; reload for more. <a href="/messages.json">JSON</a></p>
${rows || '<p>Nothing yet.</p>'}</html>`;
}

const web = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const m = /^\/messages\/(\d+)\.(eml|html)$/.exec(url.pathname);
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
    res.end(page());
  } else if (url.pathname === '/messages.json') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(caught));
  } else if (m) {
    const found = caught.find((c) => c.id === Number(m[1]));
    const file = path.join(folder, `${m[1]}.eml`);
    if (m[2] === 'eml' && fs.existsSync(file)) {
      res.writeHead(200, { 'content-type': 'message/rfc822' });
      res.end(fs.readFileSync(file));
    } else if (m[2] === 'html' && found?.html) {
      // The message's own HTML, with no script and nothing fetched from elsewhere.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:" });
      res.end(found.html);
    } else {
      res.writeHead(404).end();
    }
  } else {
    res.writeHead(404).end();
  }
});

smtp.listen(SMTP_PORT, '127.0.0.1', () => {
  web.listen(WEB_PORT, '127.0.0.1', () => log.info(`catching mail on smtp://127.0.0.1:${SMTP_PORT}; read it at http://localhost:${WEB_PORT}`));
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    web.close();
    smtp.close(() => process.exit(0));
  });
}
