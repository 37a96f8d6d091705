/**
 * Issue 21 (R11.1–R11.3, R4.3): the public board — server-rendered pages in Kazakh and Russian,
 * readable without JavaScript, for families, journalists and inspectors. Pages, not API operations:
 * they are outside the route table and the OpenAPI document (the JSON they show is there, under
 * /api/v1/public). Nothing personal is read: registration numbers, queue numbers, places.
 *
 *   GET /                               the regions
 *   GET /regions/:region                the latest publication's places (filters), recent referrals, the chain check
 *   GET /regions/:region/referrals      every referral issued, a page at a time
 *   GET /lookup?number=                 an application's status, queue numbers, estimate and own chain entries
 *   GET /verify?code=                   what a document's verification code confirms
 *   GET /board/assets/:file             the stylesheet, the chain check's two scripts, the icon
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { AppDeps } from '../app';
import { clientKey, DEFAULT_LIMITS, exemptList, FixedWindows, plainAddress } from '../rate-limit';
import { applicationNumberSchema } from '../schemas/applications';
import { paramRowIdSchema, paramYearSchema, regionCodeSchema } from '../schemas/common';
import { verificationParamsSchema } from '../schemas/documents';
import { cursorSchemaOf, pageCursor } from '../schemas/public';
import { readVerificationCode } from '../../contracts/documents';
import { verifiedDocument } from '../../db/document-verification';
import { latestPublicationDay, monthlyPublishedSeats } from '../../db/board-publications';
import { boardKindergartens, boardPlaceTypeNames, boardRegion, boardRegions } from '../../db/board-regions';
import type { Db } from '../../db/connection';
import { issuedReferrals, publicLookup } from '../../db/public-board';
import { regionSettings } from '../../db/regions';
import { LANGUAGES, type Language } from '../../domain/queue';
import { KINDERGARTEN_KINDS, kindsOfferedByQueue, type KindergartenKind } from '../../domain/rule-settings';
import { almatyMonth, estimateWindow, turnEstimate, type TurnEstimate } from '../../domain/turn-estimate';
import { boardLanguage } from '../../templates/board/language';
import { renderBoardPage, type BoardPage } from '../../templates/board/render';
import { BOARD_WORDS, fill, type BoardWords } from '../../templates/board/words';
import { baseView, lookupView, messageView, referralsPageView, regionsView, regionView, verifyView } from '../../templates/board/views';

/**
 * The pages' Content-Security-Policy (replacing the API's `default-src 'none'`, api/security-headers.ts):
 * scripts, styles and fetches from this origin only, nothing inline; forms submit to this origin.
 */
export const BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The static files, by name, with their media types: no other name is ever read. */
const ASSETS: Record<string, string> = {
  'board.css': 'text/css; charset=utf-8',
  'chain-verify.js': 'text/javascript; charset=utf-8',
  'check-button.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};
// Read once, at start: found in api/board/ under tsx, and in dist/api/board/ once a build copies it.
const ASSET_FILES = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(path.join(__dirname, '..', 'board', name))]));

/** Referrals on a region's page; its own list shows more a page. */
const RECENT_REFERRALS = 10;
const REFERRALS_PAGE = 50;

const emptyAsAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const placesFilterSchema = z.object({
  kindergartenId: emptyAsAbsent(paramRowIdSchema),
  groupYear: emptyAsAbsent(paramYearSchema),
  language: emptyAsAbsent(z.enum(LANGUAGES)),
  kind: emptyAsAbsent(z.enum(KINDERGARTEN_KINDS)),
});
const referralCursorSchema = cursorSchemaOf();

/** One query value as a string ('' when absent; the first when repeated). */
const one = (value: string | string[] | undefined): string => (Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));

function send(ctx: Context, page: BoardPage, view: object, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Content-Security-Policy', BOARD_CSP);
  ctx.set('Cache-Control', 'no-cache');
  ctx.set('Vary', 'Accept-Language');
  ctx.body = renderBoardPage(page, view);
}

/** The page's language and the base of its view. */
function pageBase(ctx: Context, title: (w: BoardWords, lang: Language) => string, chainCheck = false) {
  const lang = boardLanguage(ctx.query.lang, ctx.get('Accept-Language') || undefined);
  return baseView(lang, ctx.url, title, chainCheck);
}

function notFound(ctx: Context, message: (w: BoardWords) => string): void {
  const base = pageBase(ctx, (w) => w.notFoundTitle);
  send(ctx, 'message', messageView(base, message(base.w)), 404);
}

/**
 * The pages count against the anonymous limit per client address, as the public API's look-ups do
 * (api/rate-limit.ts), in a window of their own: a page is one request, its files are not counted.
 */
function pageLimit(deps: AppDeps) {
  const settings = deps.limits ?? DEFAULT_LIMITS;
  const windows = new FixedWindows(settings.anonymousPerMinute, 60_000, settings.maxTrackedAddresses);
  const exempt = exemptList(settings.exempt);
  return async (ctx: Context, next: Next) => {
    const address = plainAddress(ctx.ip);
    if ((isIPv4(address) && exempt.check(address, 'ipv4')) || (isIPv6(address) && exempt.check(address, 'ipv6'))) return next();
    const taken = windows.take(clientKey(ctx.ip));
    if (taken.allowed) return next();
    ctx.set('Retry-After', String(taken.resetSeconds));
    const base = pageBase(ctx, (w) => w.tooManyTitle);
    send(ctx, 'message', messageView(base, fill(base.w.tooMany, { n: settings.anonymousPerMinute, s: taken.resetSeconds })), 429);
  };
}

/** R11.2: the range of months for a waiting application; null when not waiting or too few months of places. */
async function estimateFor(db: Db, found: NonNullable<Awaited<ReturnType<typeof publicLookup>>>): Promise<TurnEstimate | null> {
  if (found.status !== 'queued' || found.queueNumber === null) return null;
  const region = await regionSettings(db, found.regionCode);
  if (!region) return null;
  // R4.7, R8: a general application waits for the kinds offered by the queue, a correctional one for correctional places.
  const kinds: readonly KindergartenKind[] = found.queueType === 'correctional' ? ['correctional'] : kindsOfferedByQueue(region.settings);
  const currentMonth = almatyMonth(Date.now());
  const { from, until } = estimateWindow(currentMonth);
  const published = await monthlyPublishedSeats(db, { regionCode: found.regionCode, groupYear: found.groupYear, kinds, from, until });
  return turnEstimate({ queueWhole: found.queueNumber, published, currentMonth });
}

/** The board's router, registered in api/app.ts after the API's. */
export function boardRouter(deps: AppDeps): Router {
  const { db } = deps;
  const router = new Router();
  const limited = pageLimit(deps);

  router.get('/board/assets/:file', async (ctx) => {
    const name = ctx.params.file ?? '';
    const body = Object.hasOwn(ASSETS, name) ? ASSET_FILES.get(name) : undefined;
    if (!body) return notFound(ctx, (w) => w.notFoundTitle);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = ASSETS[name]!;
    ctx.body = body;
  });

  router.get('/', limited, async (ctx) => {
    const base = pageBase(ctx, (w) => w.regionsTitle);
    send(ctx, 'regions', regionsView(base, await boardRegions(db)));
  });

  router.get('/regions/:region', limited, async (ctx) => {
    const code = regionCodeSchema.safeParse(ctx.params.region);
    const region = code.success ? await boardRegion(db, code.data) : undefined;
    if (!region) return notFound(ctx, (w) => fill(w.regionNotFound, { region: String(ctx.params.region) }));
    const parsed = placesFilterSchema.safeParse({ kindergartenId: one(ctx.query.kindergartenId), groupYear: one(ctx.query.groupYear), language: one(ctx.query.language), kind: one(ctx.query.kind) });
    const filter = parsed.success ? parsed.data : {};
    const [kindergartens, { day, places }, placeTypes, { referrals }] = await Promise.all([
      boardKindergartens(db, region.code),
      latestPublicationDay(db, { regionCode: region.code, ...filter }),
      boardPlaceTypeNames(db, region.code),
      issuedReferrals(db, { regionCode: region.code }, { limit: RECENT_REFERRALS }),
    ]);
    const base = pageBase(ctx, (_w, lang) => (lang === 'kk' ? region.nameKk : region.nameRu), true);
    send(ctx, 'region', regionView(base, { region, filter, filterError: !parsed.success, kindergartens, day, places, placeTypes, referrals }), parsed.success ? 200 : 400);
  });

  router.get('/regions/:region/referrals', limited, async (ctx) => {
    const code = regionCodeSchema.safeParse(ctx.params.region);
    const region = code.success ? await boardRegion(db, code.data) : undefined;
    if (!region) return notFound(ctx, (w) => fill(w.regionNotFound, { region: String(ctx.params.region) }));
    const cursorText = one(ctx.query.cursor);
    const cursor = cursorText ? referralCursorSchema.safeParse(cursorText) : undefined;
    const { referrals, next } = await issuedReferrals(db, { regionCode: region.code }, { limit: REFERRALS_PAGE, after: cursor?.success ? cursor.data : undefined });
    const base = pageBase(ctx, (w) => w.referralsTitle);
    send(ctx, 'referrals', referralsPageView(base, region, referrals, next ? pageCursor(next) : null, !cursor?.success), cursor && !cursor.success ? 400 : 200);
  });

  router.get('/lookup', limited, async (ctx) => {
    const typed = one(ctx.query.number).trim();
    const base = pageBase(ctx, (w) => w.lookupTitle);
    const lang = base.lang;
    const answer = (input: Parameters<typeof lookupView>[1], status = 200) => send(ctx, 'lookup', lookupView(base, input), status);
    const empty = { number: typed, found: null, entries: [], estimate: null };
    if (!typed) return answer({ ...empty, error: null });
    const number = applicationNumberSchema.safeParse(typed);
    if (!number.success) return answer({ ...empty, error: BOARD_WORDS[lang].lookupInvalid }, 400);
    const found = await publicLookup(db, number.data);
    const region = found && (await boardRegion(db, found.regionCode));
    if (!found || !region) return answer({ ...empty, error: fill(BOARD_WORDS[lang].lookupNotFound, { number: number.data }) }, 404);
    // R11.3: its own entries come with the look-up (db/public-board.ts), to be checked against the region's chain.
    answer({ number: found.registrationNumber, error: null, found: { ...found, region }, entries: found.chain, estimate: await estimateFor(db, found) });
  });

  router.get('/verify', limited, async (ctx) => {
    const typed = one(ctx.query.code).trim();
    const base = pageBase(ctx, (w) => w.verifyTitle);
    const w = base.w;
    if (!typed) return send(ctx, 'verify', verifyView(base, { code: '', error: null, document: null }));
    const shaped = verificationParamsSchema.shape.code.safeParse(typed);
    const code = shaped.success ? readVerificationCode(shaped.data) : undefined;
    if (!code) return send(ctx, 'verify', verifyView(base, { code: typed, error: w.verifyInvalid, document: null }), 400);
    const document = await verifiedDocument(db, code);
    if (!document) return send(ctx, 'verify', verifyView(base, { code: typed, error: fill(w.verifyNotFound, { code: typed }), document: null }), 404);
    send(ctx, 'verify', verifyView(base, { code: typed, error: null, document }));
  });

  return router;
}
