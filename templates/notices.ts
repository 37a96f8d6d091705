/**
 * R9.1: the notices, rendered from Handlebars files `templates/notices/<kind>.<language>.hbs`
 * (one per NoticeKind × Language).
 *
 * File format. Each file holds four sections, each introduced by a marker line of its own:
 *
 *     {{!-- subject --}}   the e-mail subject (rendered, then folded into one line)
 *     {{!-- html --}}      the e-mail HTML body: the inside of <body>; escaped (Handlebars default)
 *     {{!-- text --}}      the e-mail plain-text body
 *     {{!-- sms --}}       the SMS (rendered, then whitespace folded to single spaces)
 *
 * in this order, each exactly once. Anything before the first marker must be a Handlebars
 * comment (a note for the editor); it is not rendered. Subject, text and SMS are not HTML and
 * are compiled with `noEscape`; the subject is folded to one line (no CR/LF can reach a mail
 * header) and the SMS is cut to SMS_MAX_CHARS as a last resort (the tests keep realistic data
 * well inside it).
 *
 * Helpers (a private Handlebars instance; only these and the built-ins are allowed):
 *   {{date iso}}      24.11.2026        — the instant's date in Asia/Almaty
 *   {{dateTime iso}}  24.11.2026 18:00  — date and time in Asia/Almaty
 *   {{until iso}}     a deadline phrase in the notice's language: a deadline at 24:00 of a day
 *                     (stored as 00:00 of the next day) reads "до конца дня 04.12.2026" /
 *                     "04.12.2026 күнінің соңына дейін"; any other instant "до 04.12.2026 18:00" /
 *                     "04.12.2026, сағат 18:00-ге дейін"
 *   {{cause code}}    why a child was removed (labels `removalCause` in templates/labels/*.json);
 *                     `{{cause code short=true}}` the SMS form (`removalCauseShort`)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { ALMATY_UTC_OFFSET_MS, days } from '../domain/almaty-time';
import type { NoticeContent, NoticeKind, NoticeRenderer, RenderedNotice } from '../domain/notices';
import { SMS_MAX_CHARS } from '../domain/notices';
import type { Language } from '../domain/queue';
import type { TransitionCause } from '../domain/statuses';
import { LABELS } from './labels';

/** Where the .hbs files live (the build must copy this folder next to the compiled module). */
export const NOTICE_TEMPLATES_DIR = join(__dirname, 'notices');

export const noticeTemplatePath = (kind: NoticeKind, language: Language): string => join(NOTICE_TEMPLATES_DIR, `${kind}.${language}.hbs`);

export const NOTICE_SECTIONS = ['subject', 'html', 'text', 'sms'] as const;
export type NoticeSection = (typeof NOTICE_SECTIONS)[number];

/** The fields a kind cannot do without: rendering without them is a caller's bug, not a blank. */
const REQUIRED: Record<NoticeKind, readonly (keyof NoticeContent)[]> = {
  turn_arrived: ['offered', 'windowEndsAt'],
  referral_issued: ['kindergarten', 'deadline'],
  deadline_near: ['kindergarten', 'deadline'],
  referral_annulled: [], // stopListUntil is absent when the region runs no stop-list
  stop_list_ended: [],
  removed: ['cause'],
  reconfirmation_due: ['reconfirmBy'],
  enrolled: ['kindergarten'],
  examination_confirmed: ['kindergarten', 'deadline'],
  examination_other_category: ['needCategory'],
  examination_not_needed: [],
  benefit_rejected: [], // stopListUntil only where the region's operator confirms benefits
};

// ---- dates in Asia/Almaty ---------------------------------------------------------------------

const DAY_MS = days(1);

function instant(value: unknown, helper: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new Error(`notice template: {{${helper}}} needs an ISO instant, got ${String(value)}`);
  return ms;
}

/** The Almaty wall clock of `ms`, as the fields of a UTC date. */
const wallClock = (ms: number): Date => new Date(ms + ALMATY_UTC_OFFSET_MS);
const two = (n: number): string => String(n).padStart(2, '0');

/** {{date}}: 24.11.2026, the Almaty date of the instant `ms`. */
export function formatDate(ms: number): string {
  const d = wallClock(ms);
  return `${two(d.getUTCDate())}.${two(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`;
}

function formatTime(ms: number): string {
  const d = wallClock(ms);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/** {{dateTime}}: 24.11.2026 18:00, the Almaty wall clock of the instant `ms`. */
export const formatDateTime = (ms: number): string => `${formatDate(ms)} ${formatTime(ms)}`;

/** 00:00 Almaty: how a deadline "at 24:00 of day D" is stored (it shows as the end of D). */
export const isAlmatyMidnight = (ms: number): boolean => (ms + ALMATY_UTC_OFFSET_MS) % DAY_MS === 0;

/**
 * Kazakh dative ending of a clock time as it is read aloud ("сағат 18:00-ге"): the last word
 * read decides it — the minutes, or the hour when the minutes are zero.
 */
function kazakhDative(time: string): string {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const n = m === 0 ? h : m;
  const units = ['ге', 'ге', 'ге', 'ке', 'ке', 'ке', 'ға', 'ге', 'ге', 'ға']; // нөл бір екі үш төрт бес алты жеті сегіз тоғыз
  const tens = ['', 'ға', 'ға', 'ға', 'қа', 'ге']; // он жиырма отыз қырық елу
  return n === 0 || n % 10 !== 0 ? units[n % 10]! : tens[n / 10]!;
}

/** The deadline phrase of {{until}}: see the header. */
export function untilPhrase(ms: number, language: Language): string {
  if (isAlmatyMidnight(ms)) {
    const day = formatDate(ms - DAY_MS);
    return language === 'kk' ? `${day} күнінің соңына дейін` : `до конца дня ${day}`;
  }
  const time = formatTime(ms);
  return language === 'kk' ? `${formatDate(ms)}, сағат ${time}-${kazakhDative(time)} дейін` : `до ${formatDate(ms)} ${time}`;
}

// ---- the Handlebars instance ------------------------------------------------------------------

/** What a helper gets last: the hash of `key=value` arguments and the render's data (its language). */
interface HelperOptions {
  hash: Record<string, unknown>;
  data: { language: Language };
}

const hbs = Handlebars.create();
hbs.registerHelper('date', (iso: unknown) => formatDate(instant(iso, 'date')));
hbs.registerHelper('dateTime', (iso: unknown) => formatDateTime(instant(iso, 'dateTime')));
hbs.registerHelper('until', (iso: unknown, options: HelperOptions) => untilPhrase(instant(iso, 'until'), options.data.language));
hbs.registerHelper('cause', (code: unknown, options: HelperOptions) => {
  const labels = LABELS[options.data.language];
  const set: Partial<Record<TransitionCause, string>> = options.hash.short ? labels.removalCauseShort : labels.removalCause;
  const label = set[code as TransitionCause];
  if (label === undefined) throw new Error(`notice template: no removal cause label for ${String(code)}`);
  return label;
});

const COMPILE: CompileOptions = {
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: { date: true, dateTime: true, until: true, cause: true },
};
type CompileOptions = NonNullable<Parameters<typeof Handlebars.compile>[1]>;

// ---- the file format --------------------------------------------------------------------------

const MARKER = /^[ \t]*\{\{!--[ \t]*(subject|html|text|sms)[ \t]*--\}\}[ \t]*\r?$/gm;
const COMMENT_ONLY = /^(\s*\{\{!--[\s\S]*?--\}\})*\s*$/;

/** Splits a notice file into its four sections (see the header); throws on a malformed file. */
export function parseNoticeTemplate(source: string, name = 'notice template'): Record<NoticeSection, string> {
  const markers = [...source.matchAll(MARKER)];
  const names = markers.map((m) => m[1]);
  if (names.join() !== NOTICE_SECTIONS.join()) {
    throw new Error(`${name}: expected the sections ${NOTICE_SECTIONS.join(', ')} in that order, found ${names.join(', ') || 'none'}`);
  }
  if (!COMMENT_ONLY.test(source.slice(0, markers[0]!.index))) throw new Error(`${name}: only a {{!-- comment --}} may precede the first section`);
  const sections = {} as Record<NoticeSection, string>;
  markers.forEach((m, i) => {
    const start = m.index! + m[0].length;
    const end = i + 1 < markers.length ? markers[i + 1]!.index! : source.length;
    sections[m[1] as NoticeSection] = source.slice(start, end).trim();
  });
  return sections;
}

type Compiled = Record<NoticeSection, Handlebars.TemplateDelegate<NoticeContent>>;
const cache = new Map<string, Compiled>();

function compiled(kind: NoticeKind, language: Language): Compiled {
  const key = `${kind}.${language}`;
  let templates = cache.get(key);
  if (!templates) {
    const sections = parseNoticeTemplate(readFileSync(noticeTemplatePath(kind, language), 'utf8'), `${key}.hbs`);
    const plain = { ...COMPILE, noEscape: true };
    templates = {
      subject: hbs.compile(sections.subject, plain),
      html: hbs.compile(sections.html, COMPILE),
      text: hbs.compile(sections.text, plain),
      sms: hbs.compile(sections.sms, plain),
    };
    cache.set(key, templates);
  }
  return templates;
}

// ---- after rendering --------------------------------------------------------------------------

/** One line, no control characters: nothing in the data can add a mail header. */
const oneLine = (s: string): string =>
  s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Tidy text: no trailing spaces, at most one blank line (an optional block that rendered empty). */
const tidyText = (s: string): string =>
  s
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();

/** Last resort: a UTF-16 cut that never splits a surrogate pair. */
function fitSms(s: string): string {
  if (s.length <= SMS_MAX_CHARS) return s;
  let cut = SMS_MAX_CHARS - 1;
  if (/[\uDC00-\uDFFF]/.test(s.charAt(cut))) cut -= 1;
  return `${s.slice(0, cut).trimEnd()}…`;
}

const htmlDocument = (language: Language, subject: string, body: string): string =>
  `<!DOCTYPE html>
<html lang="${language}">
<head><meta charset="utf-8"><title>${Handlebars.Utils.escapeExpression(subject)}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #222222;">
${body}
</body>
</html>
`;

// ---- the region's contacts (R10) ----------------------------------------------------------------

const CONTACT_LABELS: Record<Language, Record<string, string>> = {
  ru: { support: 'Служба поддержки', callCentre: 'Call-center', phone: 'Телефон', email: 'E-mail', hours: 'Часы работы', educationDepartment: 'Управление образования' },
  kk: { support: 'Қолдау қызметі', callCentre: 'Call-center', phone: 'Телефон', email: 'E-mail', hours: 'Жұмыс уақыты', educationDepartment: 'Білім басқармасы' },
};
const CONTACT_ORDER = ['support', 'callCentre', 'phone', 'email', 'hours', 'educationDepartment'];

/** R10: the region's contacts as "label: value" lines, in a fixed order; keys without a label are left out. */
export function contactLines(contacts: Record<string, string> | undefined, language: Language): { label: string; value: string }[] {
  if (!contacts) return [];
  return CONTACT_ORDER.filter((key) => typeof contacts[key] === 'string' && contacts[key]!.trim() !== '').map((key) => ({
    label: CONTACT_LABELS[language][key]!,
    value: oneLine(contacts[key]!),
  }));
}

/** The footer of the e-mail: the region's contacts, escaped; empty when it has none. */
function contactsFooter(lines: { label: string; value: string }[]): { html: string; text: string } {
  if (!lines.length) return { html: '', text: '' };
  const esc = Handlebars.Utils.escapeExpression;
  return {
    html: `\n<p style="color: #666666; font-size: 13px;">${lines.map((l) => `${esc(l.label)}: ${esc(l.value)}`).join('<br>')}</p>`,
    text: `\n\n${lines.map((l) => `${l.label}: ${l.value}`).join('\n')}`,
  };
}

/** R9.1: renders one notice in the application's language. Templates are compiled once. */
export const renderNotice: NoticeRenderer = (kind, language, content): RenderedNotice => {
  const missing = REQUIRED[kind].filter((field) => content[field] === undefined || content[field] === null);
  if (missing.length > 0) throw new Error(`notice ${kind}: missing ${missing.join(', ')}`);
  const t = compiled(kind, language);
  const options = { data: { language } };
  const subject = oneLine(t.subject(content, options));
  const footer = contactsFooter(contactLines(content.contacts, language)); // R10
  return {
    subject,
    html: htmlDocument(language, subject, t.html(content, options).trim() + footer.html),
    text: tidyText(t.text(content, options) + footer.text),
    sms: fitSms(oneLine(t.sms(content, options))),
  };
};
