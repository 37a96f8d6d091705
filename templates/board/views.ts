/**
 * Issue 21: what each board page shows, as plain data for its template (templates/board/*.hbs):
 * every word in the page's language, every date formatted (Asia/Almaty), every link carrying the
 * language. Pure: the route reads PostgreSQL and hands the rows here.
 */
import { LANGUAGES, type Language } from '../../domain/queue';
import { KINDERGARTEN_KINDS, type KindergartenKind } from '../../domain/rule-settings';
import type { TurnEstimate, YearMonth } from '../../domain/turn-estimate';
import type { DocumentKind } from '../../domain/documents';
import type { ApplicationStatus } from '../../domain/statuses';
import type { PublicChainEntry } from '../../db/chain';
import type { BoardKindergarten, BoardRegion } from '../../db/board-regions';
import type { BoardPlace } from '../../db/board-publications';
import type { issuedReferrals, publicLookup } from '../../db/public-board';
import type { verifiedDocument } from '../../db/document-verification';
import documentWords from '../documents/words.json';
import { LABELS } from '../labels';
import { formatDate, formatDateTime } from '../notices';
import { BOARD_WORDS, fill, type BoardWords } from './words';

const LANGUAGE_NAMES: Record<Language, string> = { kk: 'Қазақша', ru: 'Русский' };

/** `path` (with its query) with `lang` set, everything else kept. */
export function withLanguage(pathAndQuery: string, lang: Language): string {
  const url = new URL(pathAndQuery, 'http://board.invalid');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

/** A link within the board: `path` with `query` (empty values left out) and the language. */
export function boardUrl(path: string, lang: Language, query: Record<string, string | number | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  params.set('lang', lang);
  return `${path}?${params}`;
}

export const regionUrl = (code: string, lang: Language) => boardUrl(`/regions/${encodeURIComponent(code)}`, lang);
export const lookupUrl = (number: string, lang: Language) => boardUrl('/lookup', lang, { number });

const regionName = (r: BoardRegion, lang: Language) => (lang === 'kk' ? r.nameKk : r.nameRu);
const named = (x: { nameRu: string; nameKk: string }, lang: Language) => (lang === 'kk' ? x.nameKk : x.nameRu);
const date = (iso: string) => formatDate(Date.parse(iso));
const dateTime = (iso: string) => formatDateTime(Date.parse(iso));
const civilDate = (d: string) => formatDate(Date.parse(`${d}T00:00:00Z`));

/** What every page has: its language, words, title, the switch to the other language, and whether it runs the chain check. */
export interface BaseView {
  lang: Language;
  w: BoardWords;
  title: string;
  languages: { code: Language; name: string; url: string; current: boolean }[];
  chainCheck: boolean;
  lookupValue: string;
  verifyValue: string;
}

export function baseView(lang: Language, currentUrl: string, title: (w: BoardWords, lang: Language) => string, chainCheck = false): BaseView {
  const w = BOARD_WORDS[lang];
  return {
    lang,
    w,
    title: title(w, lang),
    languages: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code], url: withLanguage(currentUrl, code), current: code === lang })),
    chainCheck,
    lookupValue: '',
    verifyValue: '',
  };
}

/** The chain check's block: its region and the script's words (data-msg-*). */
export function checkView(lang: Language, region: string) {
  return { region, messages: Object.entries(BOARD_WORDS[lang].checkMessages).map(([name, text]) => ({ name, text })) };
}

export function regionsView(base: BaseView, regions: BoardRegion[]) {
  return { ...base, regions: regions.map((r) => ({ name: regionName(r, base.lang), url: regionUrl(r.code, base.lang) })) };
}

export interface PlacesFilter {
  kindergartenId?: number;
  groupYear?: number;
  language?: Language;
  kind?: KindergartenKind;
}

/** R4.3, R4.7, R11.1: the latest publication's places, by kindergarten, group year, language and kind. */
function placesView(lang: Language, day: string | null, places: BoardPlace[], placeTypes: Map<string, { nameRu: string; nameKk: string }>) {
  const w = BOARD_WORDS[lang];
  const rows = places
    .map((p) => ({
      kindergarten: named(p.kindergarten, lang),
      address: p.kindergarten.address,
      kind: w.kinds[p.kindergarten.kind as KindergartenKind] ?? p.kindergarten.kind,
      groupYear: p.groupYear,
      language: w.languages[p.language as Language] ?? p.language,
      placeType: [placeTypes.has(p.placeType) ? named(placeTypes.get(p.placeType)!, lang) : p.placeType, p.needCategory ? named(p.needCategory, lang) : null].filter(Boolean).join(', '),
      freeChoice: p.freeChoice,
      free: p.free,
      seats: p.seats,
      releasedOn: civilDate(p.releasedOn),
    }))
    .sort((a, b) => a.kindergarten.localeCompare(b.kindergarten, lang) || a.groupYear - b.groupYear || a.language.localeCompare(b.language, lang) || a.placeType.localeCompare(b.placeType, lang));
  return { day: day ? fill(w.publishedOn, { date: civilDate(day) }) : null, rows };
}

type Referral = Awaited<ReturnType<typeof issuedReferrals>>['referrals'][number];

export function referralsView(lang: Language, referrals: Referral[], links: { allUrl: string; nextUrl: string | null; firstUrl: string | null }) {
  const w = BOARD_WORDS[lang];
  return {
    ...links,
    rows: referrals.map((r) => ({
      number: r.registrationNumber,
      lookupUrl: lookupUrl(r.registrationNumber, lang),
      queueNumber: r.queueNumberAtIssue ?? '—',
      kindergarten: named(r.kindergarten, lang),
      issuedOn: date(r.issuedAt),
      state: w.referralStates[r.state as keyof BoardWords['referralStates']] ?? r.state,
    })),
  };
}

export function regionView(
  base: BaseView,
  input: {
    region: BoardRegion;
    filter: PlacesFilter;
    filterError: boolean;
    kindergartens: BoardKindergarten[];
    day: string | null;
    places: BoardPlace[];
    placeTypes: Map<string, { nameRu: string; nameKk: string }>;
    referrals: Referral[];
  },
) {
  const { lang, w } = base;
  const { region, filter } = input;
  return {
    ...base,
    region: { name: regionName(region, lang), url: `/regions/${encodeURIComponent(region.code)}` },
    filterError: input.filterError,
    filter: {
      kindergartens: input.kindergartens.map((k) => ({ value: k.id, label: named(k, lang), selected: k.id === filter.kindergartenId })),
      groupYear: filter.groupYear ?? '',
      languages: LANGUAGES.map((l) => ({ value: l, label: w.languages[l], selected: l === filter.language })),
      kinds: KINDERGARTEN_KINDS.map((k) => ({ value: k, label: w.kinds[k], selected: k === filter.kind })),
    },
    places: placesView(lang, input.day, input.places, input.placeTypes),
    referrals: referralsView(lang, input.referrals, { allUrl: boardUrl(`/regions/${encodeURIComponent(region.code)}/referrals`, lang), nextUrl: null, firstUrl: null }),
    check: checkView(lang, region.code),
  };
}

export function referralsPageView(base: BaseView, region: BoardRegion, referrals: Referral[], next: string | null, isFirst: boolean) {
  const path = `/regions/${encodeURIComponent(region.code)}/referrals`;
  return {
    ...base,
    region: { name: regionName(region, base.lang), url: regionUrl(region.code, base.lang) },
    referrals: referralsView(base.lang, referrals, {
      allUrl: boardUrl(path, base.lang),
      nextUrl: next ? boardUrl(path, base.lang, { cursor: next }) : null,
      firstUrl: isFirst ? null : boardUrl(path, base.lang),
    }),
  };
}

const monthName = (month: YearMonth, lang: Language) => `${BOARD_WORDS[lang].months[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
const pace = (n: number, lang: Language) => n.toLocaleString(lang === 'kk' ? 'kk-KZ' : 'ru-RU', { maximumFractionDigits: 1 });

/** R11.2: the estimate's sentence and figures; none when the application is not waiting or there are too few months. */
export function estimateView(lang: Language, status: ApplicationStatus, estimate: TurnEstimate | null) {
  const w = BOARD_WORDS[lang];
  if (status !== 'queued') return { summary: w.estimateOnlyQueued, figures: null, months: [] };
  if (!estimate) return { summary: w.estimateNone, figures: null, months: [] };
  const values = {
    from: estimate.earliestMonths,
    to: estimate.latestMonths,
    fromMonth: monthName(estimate.earliestMonth, lang),
    toMonth: monthName(estimate.latestMonth, lang),
  };
  return {
    summary: fill(estimate.earliestMonths === estimate.latestMonths ? w.estimateSame : w.estimateRange, values),
    figures: fill(w.estimateFigures, { needed: estimate.placesNeeded, fast: pace(estimate.fastPace, lang), year: pace(estimate.yearPace, lang) }),
    months: estimate.months.map((m) => ({ month: monthName(m.month, lang), seats: m.seats })),
  };
}

type Found = NonNullable<Awaited<ReturnType<typeof publicLookup>>>;

export function lookupView(
  base: BaseView,
  input: { number: string; error: string | null; found: (Found & { region: BoardRegion }) | null; entries: PublicChainEntry[]; estimate: TurnEstimate | null },
) {
  const { lang, w } = base;
  const labels = LABELS[lang];
  const f = input.found;
  const view = { ...base, lookupValue: input.number, error: input.error };
  if (!f) return { ...view, chainCheck: false, found: null, estimate: null, entries: [], check: null };
  return {
    ...view,
    chainCheck: true,
    found: {
      number: f.registrationNumber,
      statusCode: f.status,
      status: labels.status[f.status],
      since: fill(w.since, { date: date(f.statusChangedAt) }),
      region: regionName(f.region, lang),
      regionUrl: regionUrl(f.region.code, lang),
      queueType: labels.queueType[f.queueType as keyof typeof labels.queueType] ?? f.queueType,
      groupYear: f.groupYear,
      benefitCategory: labels.benefitCategory[f.benefitCategory as keyof typeof labels.benefitCategory] ?? f.benefitCategory,
      needCategory: f.needCategory ? named(f.needCategory, lang) : null,
      registeredAt: dateTime(f.registeredAt),
      queueNumber: f.queueNumber ?? w.notInQueue,
      queueNumberInCategory: f.queueNumberInCategory ?? w.notInQueue,
      onStopList: f.onStopList,
    },
    estimate: estimateView(lang, f.status, input.estimate),
    entries: input.entries.map((e) => ({
      seq: e.seq,
      at: dateTime(e.at),
      event: (w.events as Record<string, string>)[e.event] ?? e.event,
      queue: e.queueWhole === null ? '—' : `${e.queueWhole} / ${e.queueCategory ?? '—'}`,
      category: categoryWords(e.category, labels, f.needCategory ? { ...f.needCategory, name: named(f.needCategory, lang) } : null),
      hash: e.hash,
      shortHash: `${e.hash.slice(0, 12)}…`,
    })),
    check: checkView(lang, f.region.code),
  };
}

/**
 * R11.3: an entry's `category` in words (domain/chain.ts chainCategoryOf): the benefit category,
 * after the category of need in the correctional queue — named when it is the application's own
 * now, else by its code (an earlier one an examination changed).
 */
function categoryWords(category: string | null, labels: (typeof LABELS)[Language], need: { code: string; name: string } | null): string {
  if (category === null) return '—';
  const [needCode, benefit] = category.includes('/') ? category.split('/', 2) : [null, category];
  const benefitWords = labels.benefitCategory[benefit as keyof typeof labels.benefitCategory] ?? benefit;
  if (needCode === null) return benefitWords;
  return `${need && need.code === needCode ? need.name : needCode}, ${benefitWords}`;
}

type VerifiedDocument = NonNullable<Awaited<ReturnType<typeof verifiedDocument>>>;
const DOCUMENT_TITLES = documentWords as Record<Language, { titles: Record<DocumentKind, string> }>;

export function verifyView(base: BaseView, input: { code: string; error: string | null; document: VerifiedDocument | null }) {
  const { lang, w } = base;
  const d = input.document;
  return {
    ...base,
    verifyValue: input.code,
    error: input.error,
    document: d && {
      title: DOCUMENT_TITLES[lang].titles[d.kind] ?? d.kind,
      number: d.registrationNumber,
      lookupUrl: lookupUrl(d.registrationNumber, lang),
      issuedAt: dateTime(d.issuedAt),
      language: w.languages[d.language] ?? d.language,
      kindergarten: d.kindergarten,
      sha256: d.sha256,
    },
  };
}

export function messageView(base: BaseView, message: string) {
  return { ...base, message };
}
