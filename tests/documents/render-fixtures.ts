/** Realistic documents for the rendering tests and the bench: Kazakh names with ә ғ қ ң ө ұ ү һ і. */
import { DOCUMENT_KINDS, type DocumentKind, type DocumentSnapshot, type DocumentToRender } from '../../domain/documents';
import type { Language } from '../../domain/queue';

export const LANGUAGES: readonly Language[] = ['kk', 'ru'];
export const ALL_DOCUMENTS: readonly [DocumentKind, Language][] = DOCUMENT_KINDS.flatMap((k) => LANGUAGES.map((l) => [k, l] as [DocumentKind, Language]));

export const CHILD = { iin: '220305500123', lastName: 'Нұрғалиев', firstName: 'Әлихан', middleName: 'Қайратұлы', birthDate: '2022-03-05' };
export const APPLICANT = { iin: '930818400456', lastName: 'Нұрғалиева', firstName: 'Шаһизада', middleName: 'Сейітқызы' };
export const KINDERGARTEN = { name: '№ 125 "Балбөбек" бөбекжай-бақшасы', address: 'Алматы қ., Әуезов ауданы, Жандосов к-сі, 98', phone: '+7 727 376 12 45' };
export const REGION_CONTACTS = { support: '466 756', email: 'akimat.itfactory@gmail.com', hours: 'пн–пт 9:00–18:30' };
export const VERIFICATION_CODE = 'K7QF2MXD9PLA4TRC8WZN';
export const VERIFICATION_CODE_PRINTED = 'K7QF-2MXD-9PLA-4TRC-8WZN';
/** 24:00 Almaty at the end of 1 December 2026, stored as 00:00 of the 2nd (19:00 UTC on the 1st). */
export const DEADLINE = '2026-12-01T19:00:00.000Z';

export function snapshot(language: Language, over: Partial<DocumentSnapshot> = {}): DocumentSnapshot {
  return {
    number: 'UO.2026.000021.1',
    registeredAt: '2026-01-18T05:30:55.000Z',
    region: { name: language === 'kk' ? 'Астана қаласы' : 'г. Астана', contacts: { ...REGION_CONTACTS } },
    queueType: 'general',
    benefitCategory: 'first_priority',
    groupYear: 2022,
    child: { ...CHILD },
    applicant: { ...APPLICANT },
    queueNumber: 137,
    queueNumberInCategory: 12,
    referral: { kindergarten: { ...KINDERGARTEN }, groupYear: 2022, issuedAt: '2026-11-25T06:15:00.000Z', deadline: DEADLINE },
    ...over,
  };
}

export function documentToRender(kind: DocumentKind, language: Language, over: Partial<DocumentSnapshot> = {}): DocumentToRender {
  return {
    kind,
    language,
    snapshot: snapshot(language, over),
    verificationCode: VERIFICATION_CODE,
    verificationUrl: `https://queue.example.kz/api/v1/public/documents/${VERIFICATION_CODE}`,
    issuedAt: '2026-11-25T06:15:00.000Z',
  };
}
