import type { Context, Next } from 'koa';
import { Problem } from './problems';

/** Bodies are small forms; anything larger is refused before it is read whole. */
export const MAX_BODY_BYTES = 64 * 1024;

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}

async function readLimited(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw new Problem('BODY_TOO_LARGE', `the body may be at most ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Problem('BODY_TOO_LARGE', `the body may be at most ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body for methods that carry one; refuses other media types and bad JSON. */
export async function jsonBody(ctx: Context, next: Next): Promise<void> {
  if (['POST', 'PUT', 'PATCH'].includes(ctx.method)) {
    const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody) {
      if (!ctx.is('application/json')) throw new Problem('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
      const text = await readLimited(ctx, MAX_BODY_BYTES);
      try {
        ctx.request.body = text.length ? JSON.parse(text) : undefined;
      } catch {
        throw new Problem('MALFORMED_JSON', 'the body is not valid JSON');
      }
    }
  }
  await next();
}

/**
 * `jsonBody` for every route but those that stream a file (`upload` in the route table): their
 * multipart body is left unread for the handler, which bounds it itself (api/uploads.ts).
 */
export function jsonBodyBesides(routes: readonly { method: string; path: string; upload?: unknown }[]) {
  // By path, whatever the method: another method on an upload path is the router's 405, not a 415
  // for a multipart body that route never reads as JSON.
  const streamed = new Set(routes.filter((r) => r.upload).map((r) => r.path));
  return (ctx: Context, next: Next) => (streamed.has(ctx.path) ? next() : jsonBody(ctx, next));
}
