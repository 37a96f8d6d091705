/**
 * R2.4, R5.1, R9.2: the documents' HTML, from Handlebars files in templates/documents/:
 *
 *   <kind>.<language>.hbs      one per DocumentKind × Language (10 files): the document's own
 *                              wording, written in each language (word order differs too much
 *                              between Kazakh and Russian for one template with labels)
 *   partials/layout.hbs        the page: header (region, title, number), {{> @partial-block}},
 *                              then the verification block (code, QR, URL) and the region's contacts
 *   partials/styles.hbs        A4 print CSS; the font stack names Noto Sans (Debian fonts-noto-core)
 *   partials/*.hbs             shared blocks (the child, the applicant, the application)
 *   words.json                 the words the shared partials print, in kk and ru
 *
 * Everything from the snapshot is escaped (Handlebars' default); the only unescaped value is the
 * QR code's SVG, which this module generates. The helpers are the notices' (templates/notices.ts):
 * {{date iso}}, {{dateTime iso}}, {{until iso}} (a deadline at 24:00 Almaty reads as the end of the
 * previous day); {{date}} also takes a civil date (YYYY-MM-DD), such as a birth date.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import QRCode from 'qrcode';
import type { DocumentKind, DocumentPerson, DocumentSnapshot, DocumentToRender } from '../../domain/documents';
import type { Language } from '../../domain/queue';
import { LABELS } from '../../templates/labels';
import { formatDate, formatDateTime, untilPhrase } from '../../templates/notices';

/** Where the .hbs files live (a build must copy templates/documents next to templates/notices). */
export const DOCUMENT_TEMPLATES_DIR = join(__dirname, '..', '..', 'templates', 'documents');

export const documentTemplatePath = (kind: DocumentKind, language: Language): string =>
  join(DOCUMENT_TEMPLATES_DIR, `${kind}.${language}.hbs`);

type Words = Record<string, string> & { titles: Record<DocumentKind, string>; contacts: Record<string, string> };
const WORDS: Record<Language, Words> = JSON.parse(readFileSync(join(DOCUMENT_TEMPLATES_DIR, 'words.json'), 'utf8'));

// ---- the Handlebars instance ------------------------------------------------------------------

interface HelperOptions {
  data: { root: { language: Language } };
}

function instant(value: unknown, helper: string): number {
  // A civil date (a birth date) is read as UTC midnight, which is the same day in Almaty (UTC+5).
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new Error(`document template: {{${helper}}} needs an ISO date or instant, got ${String(value)}`);
  return ms;
}

const hbs = Handlebars.create();
hbs.registerHelper('date', (iso: unknown) => formatDate(instant(iso, 'date')));
hbs.registerHelper('dateTime', (iso: unknown) => formatDateTime(instant(iso, 'dateTime')));
hbs.registerHelper('until', (iso: unknown, options: HelperOptions) => untilPhrase(instant(iso, 'until'), options.data.root.language));

const COMPILE = {
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: { date: true, dateTime: true, until: true },
} as const;

for (const file of readdirSync(join(DOCUMENT_TEMPLATES_DIR, 'partials'))) {
  if (!file.endsWith('.hbs')) continue;
  hbs.registerPartial(basename(file, '.hbs'), hbs.compile(readFileSync(join(DOCUMENT_TEMPLATES_DIR, 'partials', file), 'utf8'), COMPILE));
}

const cache = new Map<string, Handlebars.TemplateDelegate<DocumentView>>();
function compiled(kind: DocumentKind, language: Language): Handlebars.TemplateDelegate<DocumentView> {
  const key = `${kind}.${language}`;
  let template = cache.get(key);
  if (!template) {
    template = hbs.compile(readFileSync(documentTemplatePath(kind, language), 'utf8'), COMPILE);
    cache.set(key, template);
  }
  return template;
}

// ---- the view ---------------------------------------------------------------------------------

/** What a template sees: the snapshot, made total (no undefined: strict mode) and worded. */
export interface DocumentView {
  kind: DocumentKind;
  language: Language;
  title: string;
  w: Words;
  s: DocumentSnapshot;
  child: DocumentPerson & { birthDate: string; fullName: string };
  applicant: DocumentPerson & { fullName: string };
  queueType: string;
  benefitCategory: string;
  hasBenefit: boolean;
  queueNumber: string;
  queueNumberInCategory: string;
  /** The card prints the number within the benefit category too. */
  showInCategory: boolean;
  referral: NonNullable<DocumentSnapshot['referral']> | null;
  contacts: { label: string; value: string }[];
  code: string;
  verificationUrl: string;
  issuedAt: string;
  qrSvg: string;
}

const fullName = (p: DocumentPerson): string => [p.lastName, p.firstName, p.middleName].filter((x) => x && x.trim()).join(' ');

/** The verification code as printed: groups of four, joined by hyphens ("K7QF-2MXD-…"). */
export function groupCode(code: string): string {
  const bare = code.replace(/[\s-]+/g, '');
  return (bare.match(/.{1,4}/g) ?? []).join('-');
}

/**
 * The region's contacts as the portal prints them: "Служба поддержки: 466 756, akimat…@gmail.com";
 * Almaty's call-centre and education department on lines of their own; any other key as it is.
 */
function contactLines(contacts: Record<string, string>, w: Words): { label: string; value: string }[] {
  const c = { ...contacts };
  const lines: { label: string; value: string }[] = [];
  const support = [c.support, c.email].filter((v): v is string => !!v && v.trim() !== '');
  delete c.support;
  delete c.email;
  if (support.length) lines.push({ label: w.contacts.support!, value: support.join(', ') });
  for (const key of ['callCentre', 'educationDepartment']) {
    if (c[key]) lines.push({ label: w.contacts[key]!, value: c[key]! });
    delete c[key];
  }
  for (const [key, value] of Object.entries(c)) if (value) lines.push({ label: w.contacts[key] ?? key, value });
  return lines;
}

/** Kinds that say nothing without the referral. */
const NEEDS_REFERRAL: readonly DocumentKind[] = ['referral'];

export async function documentView(doc: DocumentToRender): Promise<DocumentView> {
  const { kind, language, snapshot: s } = doc;
  const w = WORDS[language];
  if (!w) throw new Error(`document: no words for language ${String(language)}`);
  if (NEEDS_REFERRAL.includes(kind) && !s.referral) throw new Error(`document ${kind}: the snapshot has no referral`);
  const labels = LABELS[language];
  const qrSvg = await QRCode.toString(doc.verificationUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 0 });
  return {
    kind,
    language,
    title: w.titles[kind],
    w,
    s,
    child: { ...s.child, fullName: fullName(s.child) },
    applicant: { ...s.applicant, fullName: fullName(s.applicant) },
    queueType: labels.queueType[s.queueType],
    benefitCategory: labels.benefitCategory[s.benefitCategory],
    hasBenefit: s.benefitCategory !== 'none',
    queueNumber: s.queueNumber === null ? '—' : String(s.queueNumber),
    queueNumberInCategory: s.queueNumberInCategory === null ? '—' : String(s.queueNumberInCategory),
    showInCategory: kind === 'child_card',
    referral: s.referral ?? null,
    contacts: contactLines(s.region.contacts ?? {}, w),
    code: groupCode(doc.verificationCode),
    verificationUrl: doc.verificationUrl,
    issuedAt: doc.issuedAt,
    // Ours, not the family's: the URL is encoded as modules, never as markup.
    qrSvg: qrSvg.replace('<svg ', '<svg class="qr" role="img" aria-label="QR" '),
  };
}

/** R9.2: the document's HTML, ready for Chromium (and for a preview in a browser). */
export async function renderHtml(doc: DocumentToRender): Promise<string> {
  const view = await documentView(doc);
  return compiled(doc.kind, doc.language)(view);
}
