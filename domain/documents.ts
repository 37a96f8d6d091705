import type { Language } from './queue';

/**
 * R2.4, R5.1, R9.2: the documents a family holds, as the portal's "Общие документы" tab lists
 * them. The first three are issued at filing, the card and the referral when the referral is issued.
 */
export const DOCUMENT_KINDS = [
  'registration_notice', // Уведомление о регистрации
  'receipt_notice', // Извещение о приеме документов
  'register_entry', // Регистрация ребенка в книге учета
  'child_card', // Карточка ребенка
  'referral', // Направление в ДДО
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** Issued at filing (R2.4); the rest when the referral is issued (R5.1). */
export const FILING_DOCUMENTS: readonly DocumentKind[] = ['registration_notice', 'receipt_notice', 'register_entry'];
export const REFERRAL_DOCUMENTS: readonly DocumentKind[] = ['child_card', 'referral'];

export const DOCUMENT_STATES = ['rendering', 'ready', 'failed'] as const;
export type DocumentState = (typeof DOCUMENT_STATES)[number];

/** A person as a document names them. */
export interface DocumentPerson {
  iin: string;
  lastName: string;
  firstName: string;
  middleName: string | null;
}

/**
 * What a document says, fixed when it is issued (a later change does not rewrite a paper a family
 * holds). Names are in the document's language; instants ISO 8601, shown in Almaty time.
 */
export interface DocumentSnapshot {
  /** The registration number (R2.4). */
  number: string;
  registeredAt: string;
  region: { name: string; contacts: Record<string, string> };
  queueType: 'general' | 'correctional';
  benefitCategory: 'out_of_turn' | 'first_priority' | 'none';
  groupYear: number;
  child: DocumentPerson & { birthDate: string };
  applicant: DocumentPerson;
  /** Queue numbers when the document was issued; null when not in a queue. */
  queueNumber: number | null;
  queueNumberInCategory: number | null;
  /** child_card, referral: the referral (R5.1) and its registration deadline (R5.2). */
  referral?: {
    kindergarten: { name: string; address: string; phone: string | null };
    groupYear: number;
    issuedAt: string;
    deadline: string;
  };
}

/** What a render is given: the snapshot, and how anyone can check the paper is real. */
export interface DocumentToRender {
  kind: DocumentKind;
  language: Language;
  snapshot: DocumentSnapshot;
  /** ≥ 80 random bits, as printed (groups of four). */
  verificationCode: string;
  /** The public URL that confirms the document (PUBLIC_BASE_URL + /api/v1/public/documents/{code}); also as a QR code. */
  verificationUrl: string;
  /** When the document was issued (ISO 8601). */
  issuedAt: string;
}

/** Renders a document to PDF bytes; one implementation drives Chromium through Puppeteer. */
export interface DocumentRenderer {
  render(doc: DocumentToRender): Promise<Buffer>;
  close(): Promise<void>;
}

/** The template version a document was rendered with: a stored document names it. */
export const DOCUMENT_TEMPLATE_VERSION = 1;
