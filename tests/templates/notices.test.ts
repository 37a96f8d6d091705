import { existsSync, readFileSync } from 'node:fs';
import { endOfAlmatyDay } from '../../domain/almaty-time';
import { NOTICE_KINDS, SMS_MAX_CHARS, type NoticeContent, type NoticeKind, type NoticeKindergarten } from '../../domain/notices';
import { LANGUAGES, type Language } from '../../domain/queue';
import { WorkingCalendar, workingDaysDeadline } from '../../domain/working-days';
import { formatDate, formatDateTime, NOTICE_SECTIONS, noticeTemplatePath, parseNoticeTemplate, renderNotice, untilPhrase } from '../../templates/notices';

// ---- fixtures: realistic Almaty data, the longest we expect -----------------------------------

const KINDERGARTENS: Record<Language, NoticeKindergarten[]> = {
  ru: [
    { name: 'Ясли-сад № 125 "Балбөбек" акимата города Алматы', address: 'г. Алматы, Бостандыкский район, мкр. Орбита-1, д. 40а', phone: '+7 727 255-12-34' },
    { name: 'КГКП "Ясли-сад № 54" Управления образования города Алматы', address: 'г. Алматы, Ауэзовский район, мкр. Таугуль, ул. Жандосова, 172', phone: null },
    { name: 'ГККП "Детский сад № 17 "Айгөлек"', address: 'г. Алматы, Медеуский район, ул. Кабанбай батыра, 48', phone: '8 (727) 291-05-17' },
  ],
  kk: [
    { name: 'Алматы қаласы әкімдігінің № 125 "Балбөбек" бөбекжай-бақшасы', address: 'Алматы қ., Бостандық ауданы, Орбита-1 шағын ауданы, 40а үй', phone: '+7 727 255-12-34' },
    { name: 'Алматы қаласы Білім басқармасының "№ 54 бөбекжай-бақшасы" МКҚК', address: 'Алматы қ., Әуезов ауданы, Таугүл шағын ауданы, Жандосов к-сі, 172', phone: null },
    { name: '"№ 17 "Айгөлек" балабақшасы" МКҚК', address: 'Алматы қ., Медеу ауданы, Қабанбай батыр к-сі, 48', phone: '8 (727) 291-05-17' },
  ],
};

/** The longest registration number (the correctional queue's code) and a long first name. */
const LONG_NUMBER = '75.KDDO.2026.000123.1';
const LONG_NAME = 'Мұхаммедрахим';

// Deadlines as the workflows store them: 24:00 Almaty of the last day, i.e. 00:00 of the next.
const WINDOW_ENDS = '2026-12-04T19:00:00.000Z'; // end of Fri 04.12.2026
const DEADLINE = '2026-12-11T19:00:00.000Z'; // end of 11.12.2026
const STOP_LIST_UNTIL = '2026-12-28T19:00:00.000Z'; // end of 28.12.2026
const RECONFIRM_BY = '2027-11-24T19:00:00.000Z'; // end of 24.11.2027

/** The date each kind's SMS must show (the key date), absent when the kind has none. */
const KEY_DATE: Record<NoticeKind, string | undefined> = {
  turn_arrived: '04.12.2026',
  referral_issued: '11.12.2026',
  deadline_near: '11.12.2026',
  referral_annulled: '28.12.2026',
  stop_list_ended: undefined,
  removed: undefined,
  reconfirmation_due: '24.11.2027',
  enrolled: undefined,
  examination_confirmed: '11.12.2026',
  examination_other_category: undefined,
  examination_not_needed: undefined,
  benefit_rejected: '28.12.2026',
};

function content(kind: NoticeKind, language: Language, base: Partial<NoticeContent> = {}): NoticeContent {
  const [first, second, third] = KINDERGARTENS[language] as [NoticeKindergarten, NoticeKindergarten, NoticeKindergarten];
  const c: NoticeContent = { number: LONG_NUMBER, childFirstName: LONG_NAME, ...base };
  switch (kind) {
    case 'turn_arrived':
      return { offered: [first, second, third], windowEndsAt: WINDOW_ENDS, ...c };
    case 'referral_issued':
    case 'deadline_near':
      return { kindergarten: first, deadline: DEADLINE, ...c };
    case 'referral_annulled':
      return { stopListUntil: STOP_LIST_UNTIL, ...c };
    case 'removed':
      return { cause: 'second_referral_expired', ...c };
    case 'reconfirmation_due':
      return { reconfirmBy: RECONFIRM_BY, ...c };
    case 'enrolled':
      return { kindergarten: first, ...c };
    case 'examination_confirmed':
      return { kindergarten: first, deadline: DEADLINE, ...c };
    case 'examination_other_category':
      return { needCategory: language === 'kk' ? 'Психикалық дамудың тежелуі' : 'Задержка психоречевого развития', ...c };
    case 'examination_not_needed':
      return c;
    case 'benefit_rejected':
      return { stopListUntil: STOP_LIST_UNTIL, ...c };
    case 'stop_list_ended':
      return c;
  }
}

const CASES = NOTICE_KINDS.flatMap((kind) => LANGUAGES.map((language) => [kind, language] as const));
const REMOVAL_CAUSES = ['not_reconfirmed', 'second_referral_expired', 'left_queue'] as const;

/** Letters Kazakh has and Russian lacks. */
const KAZAKH_LETTERS = /[әғқңөұүһіӘҒҚҢӨҰҮҺІ]/;
/** The template's own words: the source without its {{…}} expressions. */
const wording = (section: string): string => section.replace(/\{\{[\s\S]*?\}\}/g, '');

// ---- the files ---------------------------------------------------------------------------------

describe('R9.1 notice templates: one file per kind and language', () => {
  it.each(CASES)('R9.1 %s has a %s template with subject, html, text and sms', (kind, language) => {
    const path = noticeTemplatePath(kind, language);
    expect(existsSync(path)).toBe(true);
    const sections = parseNoticeTemplate(readFileSync(path, 'utf8'), path);
    for (const name of NOTICE_SECTIONS) expect(sections[name].length).toBeGreaterThan(0);
  });

  it.each(NOTICE_KINDS)('R9.1 the Kazakh %s is written in Kazakh, the Russian one in Russian', (kind) => {
    const kk = parseNoticeTemplate(readFileSync(noticeTemplatePath(kind, 'kk'), 'utf8'));
    const ru = parseNoticeTemplate(readFileSync(noticeTemplatePath(kind, 'ru'), 'utf8'));
    for (const name of NOTICE_SECTIONS) {
      expect(wording(kk[name])).toMatch(KAZAKH_LETTERS);
      expect(wording(ru[name])).not.toMatch(KAZAKH_LETTERS);
      expect(wording(ru[name])).toMatch(/[а-яё]/i);
      expect(wording(kk[name])).not.toBe(wording(ru[name]));
    }
  });

  it('rejects a file whose sections are missing or out of order', () => {
    expect(() => parseNoticeTemplate('{{!-- subject --}}\nA\n{{!-- text --}}\nB\n{{!-- html --}}\nC\n{{!-- sms --}}\nD')).toThrow(/in that order/);
    expect(() => parseNoticeTemplate('{{!-- subject --}}\nA\n{{!-- html --}}\nC')).toThrow(/expected the sections/);
    expect(() => parseNoticeTemplate('stray\n{{!-- subject --}}\nA\n{{!-- html --}}\nB\n{{!-- text --}}\nC\n{{!-- sms --}}\nD')).toThrow(/comment/);
  });
});

// ---- rendering ---------------------------------------------------------------------------------

describe('R9.1 renderNotice', () => {
  it.each(CASES)('R9.1 renders %s in %s with the number and the child’s name', (kind, language) => {
    const c = content(kind, language);
    const n = renderNotice(kind, language, c);
    expect(n.subject.trim()).not.toBe('');
    expect(n.subject).not.toMatch(/[\r\n]/);
    expect(n.subject).toContain(c.number);
    for (const body of [n.text, n.html]) {
      expect(body).toContain(c.number);
      expect(body).toContain(c.childFirstName);
    }
    expect(n.html).toMatch(new RegExp(`^<!DOCTYPE html>\\n<html lang="${language}">`));
    expect(n.text).not.toMatch(/[<>]|\{\{|\n{3}/);
    expect(n.sms).toContain(c.number);
    if (KEY_DATE[kind]) {
      for (const body of [n.text, n.html, n.sms]) expect(body).toContain(KEY_DATE[kind]);
    }
    if (c.kindergarten) expect(n.text).toContain(c.kindergarten.address);
  });

  it.each(LANGUAGES)('R4.4 turn_arrived (%s) lists every offered kindergarten, with a phone only when there is one', (language) => {
    const c = content('turn_arrived', language);
    const n = renderNotice('turn_arrived', language, c);
    for (const kg of c.offered!) {
      expect(n.text).toContain(`${kg.name}, ${kg.address}${kg.phone ? `, тел. ${kg.phone}` : ''}\n`);
    }
    expect(n.text).not.toMatch(/null|undefined/);
  });

  it.each(LANGUAGES)('R9.1 the HTML part escapes the data, text and SMS keep it literal (%s)', (language) => {
    const hostile: NoticeKindergarten = { name: 'Сад "Ромашка" & Co <script>alert(1)</script>', address: 'ул. Абая, 1 <b>', phone: null };
    const name = 'Али & <i>Вали</i>';
    for (const kind of ['referral_issued', 'deadline_near', 'enrolled'] as const) {
      const n = renderNotice(kind, language, content(kind, language, { kindergarten: hostile, childFirstName: name }));
      expect(n.html).not.toContain('<script>');
      expect(n.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(n.html).toContain('&amp; Co');
      expect(n.html).toContain('Али &amp; &lt;i&gt;Вали&lt;/i&gt;');
      expect(n.text).toContain(hostile.name);
      expect(n.text).toContain(name);
      expect(n.sms).toContain(name);
      expect(n.sms).not.toContain('&amp;');
    }
  });

  it.each(LANGUAGES)('R9.1 nothing in the data breaks the subject onto a second line (%s)', (language) => {
    const number = `${LONG_NUMBER}\r\nBcc: victim@example.com\n`;
    for (const kind of NOTICE_KINDS) {
      const n = renderNotice(kind, language, content(kind, language, { number, childFirstName: 'Айару\r\nX-Header: 1' }));
      expect(n.subject).not.toMatch(/[\r\n\u2028\u2029]/);
      expect(n.subject).toContain('Bcc: victim@example.com');
      expect(n.sms).not.toMatch(/[\r\n]/);
    }
  });

  it.each(LANGUAGES)('R8.3 a correctional referral_issued (%s) sends the family to the ПМПК by its deadline, then to register', (language) => {
    const examinationDueAt = '2026-12-03T19:00:00.000Z'; // end of 03.12.2026
    const n = renderNotice('referral_issued', language, content('referral_issued', language, { deadline: examinationDueAt, examinationDueAt }));
    for (const body of [n.text, n.html, n.sms]) {
      expect(body).toContain('ПМПК');
      expect(body).toContain(untilPhrase(Date.parse(examinationDueAt), language));
    }
    expect(n.text).toContain(language === 'ru' ? '5 рабочих дней' : '5 жұмыс күні');
    const general = renderNotice('referral_issued', language, content('referral_issued', language));
    expect(general.text).not.toContain('ПМПК');
  });

  it.each(LANGUAGES)('R8.1 R8.3 examination_other_category (%s) names the category found', (language) => {
    const c = content('examination_other_category', language);
    const n = renderNotice('examination_other_category', language, c);
    for (const body of [n.text, n.html]) expect(body).toContain(c.needCategory);
  });

  it('refuses a notice without the fields its kind needs', () => {
    const { windowEndsAt: _w, ...noWindow } = content('turn_arrived', 'ru');
    expect(() => renderNotice('turn_arrived', 'ru', noWindow)).toThrow(/windowEndsAt/);
    expect(() => renderNotice('referral_issued', 'kk', { number: LONG_NUMBER, childFirstName: LONG_NAME })).toThrow(/kindergarten, deadline/);
    expect(() => renderNotice('removed', 'ru', { number: LONG_NUMBER, childFirstName: LONG_NAME })).toThrow(/cause/);
    expect(() => renderNotice('reconfirmation_due', 'ru', { number: LONG_NUMBER, childFirstName: LONG_NAME, reconfirmBy: 'soon' })).toThrow(/ISO instant/);
  });
});

// ---- SMS ---------------------------------------------------------------------------------------

describe('R9.1 SMS fit two UCS-2 segments', () => {
  const variants = (kind: NoticeKind, language: Language): NoticeContent[] => {
    const c = content(kind, language);
    if (kind === 'removed') return REMOVAL_CAUSES.map((cause) => ({ ...c, cause }));
    if (kind === 'referral_annulled' || kind === 'benefit_rejected') return [c, { ...c, stopListUntil: undefined }];
    return [c];
  };

  it.each(CASES)(`R9.1 the %s SMS in %s is at most ${SMS_MAX_CHARS} characters with the longest data`, (kind, language) => {
    for (const c of variants(kind, language)) {
      const { sms } = renderNotice(kind, language, c);
      expect(sms.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
      expect(sms).not.toMatch(/…$/); // the renderer's last-resort cut did not happen
      expect(sms).toContain(LONG_NAME);
    }
  });

  it('cuts an SMS that would not fit (data far beyond the realistic) rather than fail', () => {
    const { sms } = renderNotice('stop_list_ended', 'ru', { number: LONG_NUMBER, childFirstName: 'Я'.repeat(200) });
    expect(sms.length).toBe(SMS_MAX_CHARS);
    expect(sms.endsWith('…')).toBe(true);
  });
});

// ---- dates in Almaty time ----------------------------------------------------------------------

describe('R9.1 dates are shown in Asia/Almaty time (UTC+5)', () => {
  it('shows an instant on the Almaty wall clock', () => {
    expect(formatDateTime(Date.parse('2026-11-24T13:00:00Z'))).toBe('24.11.2026 18:00');
    expect(formatDateTime(Date.parse('2026-12-04T19:00:00Z'))).toBe('05.12.2026 00:00');
    expect(formatDate(Date.parse('2026-12-04T18:59:00Z'))).toBe('04.12.2026');
    expect(formatDate(Date.parse('2026-12-04T19:00:00Z'))).toBe('05.12.2026');
  });

  it('R5.2 shows a deadline at 24:00 of a day as the end of that day, not the next date', () => {
    const end = endOfAlmatyDay('2026-12-04');
    expect(new Date(end).toISOString()).toBe('2026-12-04T19:00:00.000Z');
    expect(untilPhrase(end, 'ru')).toBe('до конца дня 04.12.2026');
    expect(untilPhrase(end, 'kk')).toBe('04.12.2026 күнінің соңына дейін');
    // a referral issued on Tue 01.12.2026: 5 working days after it end at 24:00 on Tue 08.12.2026
    const deadline = workingDaysDeadline(Date.parse('2026-12-01T05:30:00Z'), 5, new WorkingCalendar([]));
    expect(untilPhrase(deadline, 'ru')).toBe('до конца дня 08.12.2026');
    const n = renderNotice('referral_issued', 'ru', content('referral_issued', 'ru', { deadline: new Date(deadline).toISOString() }));
    expect(n.text).toContain('до конца дня 08.12.2026');
    expect(n.text).not.toContain('09.12.2026');
  });

  it('shows any other deadline with its time, with the Kazakh ending the time takes', () => {
    expect(untilPhrase(Date.parse('2026-11-24T13:00:00Z'), 'ru')).toBe('до 24.11.2026 18:00');
    expect(untilPhrase(Date.parse('2026-11-24T13:00:00Z'), 'kk')).toBe('24.11.2026, сағат 18:00-ге дейін');
    expect(untilPhrase(Date.parse('2026-11-24T04:00:00Z'), 'kk')).toBe('24.11.2026, сағат 09:00-ға дейін');
    expect(untilPhrase(Date.parse('2026-11-24T13:30:00Z'), 'kk')).toBe('24.11.2026, сағат 18:30-ға дейін');
    expect(untilPhrase(Date.parse('2026-11-24T13:40:00Z'), 'kk')).toBe('24.11.2026, сағат 18:40-қа дейін');
  });

  it.each(LANGUAGES)('R4.5 the turn_arrived notice (%s) names the last day of the window, not the next date', (language) => {
    const n = renderNotice('turn_arrived', language, content('turn_arrived', language));
    for (const body of [n.text, n.html, n.sms]) {
      expect(body).toContain(untilPhrase(Date.parse(WINDOW_ENDS), language));
      expect(body).not.toContain('05.12.2026');
    }
  });
});

// ---- the causes and the optional stop-list -----------------------------------------------------

describe('R5.3, R5.4, R6.1, R6.2 removal causes and the stop-list', () => {
  it.each(LANGUAGES)('R5.4 R6.1 R6.2 names every cause that removes a child (%s)', (language) => {
    const texts = REMOVAL_CAUSES.map((cause) => renderNotice('removed', language, content('removed', language, { cause })).text);
    expect(new Set(texts).size).toBe(REMOVAL_CAUSES.length);
    expect(() => renderNotice('removed', language, content('removed', language, { cause: 'enrolled' }))).toThrow(/removal cause/);
  });

  it.each(LANGUAGES)('R5.3 an annulment without a stop-list (a region with none) says the application stays queued (%s)', (language) => {
    const withStopList = renderNotice('referral_annulled', language, content('referral_annulled', language));
    const without = renderNotice('referral_annulled', language, content('referral_annulled', language, { stopListUntil: undefined }));
    const stays = language === 'ru' ? 'Заявление остаётся в очереди' : 'Өтініш кезекте қалады';
    expect(withStopList.text).toContain(untilPhrase(Date.parse(STOP_LIST_UNTIL), language));
    expect(withStopList.text).not.toContain(stays);
    expect(without.text).toContain(stays);
    expect(without.text).not.toContain('28.12.2026');
    expect(without.sms).not.toMatch(/[Сс]топ/);
  });
});
