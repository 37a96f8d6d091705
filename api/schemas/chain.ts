import { z } from 'zod';
import { CHAIN_ACTOR_ROLES, CHAIN_EVENTS } from '../../domain/chain';
import { regionCodeSchema } from './common';

/** R11.3: entries per page of the chain, unless the client asks fewer; more is refused. */
export const CHAIN_PAGE_DEFAULT = 500;
export const CHAIN_PAGE_MAX = 1000;

const seq = z.coerce.number().int().min(1).max(2_147_483_647);

export const chainParamsSchema = z.object({ region: regionCodeSchema }).strict();

export const chainEntriesQuerySchema = z
  .object({
    from: seq.default(1).describe('The first sequence number wanted (default 1)'),
    to: seq.optional().describe('The last sequence number wanted (default: the head)'),
    limit: z.coerce.number().int().min(1).max(CHAIN_PAGE_MAX).default(CHAIN_PAGE_DEFAULT).describe(`Entries per page, at most ${CHAIN_PAGE_MAX}`),
  })
  .strict()
  .refine((q) => q.to === undefined || q.to >= q.from, { message: '`to` must not be before `from`', path: ['to'] });

const hash = z.string().regex(/^[0-9a-f]{64}$/);

/** One entry exactly as it was hashed (domain/chain.ts `canonicalEntry`, with the route's region). */
export const chainEntry = z.strictObject({
  seq: z.number().int().min(1),
  prevHash: hash,
  hash,
  at: z.iso.datetime().describe('ISO 8601 in UTC with milliseconds, as hashed'),
  event: z.enum(CHAIN_EVENTS),
  number: z.string().nullable().describe('The registration number; null for a place’s events'),
  queueWhole: z.number().int().nullable().describe('The application’s number in its whole queue at that moment, while active'),
  queueCategory: z.number().int().nullable().describe('… and within its category (`category`)'),
  category: z
    .string()
    .nullable()
    .describe('The application’s queue category just after the event: the general queue’s benefit category (out_of_turn, first_priority, none), the correctional queue’s `<need category>/<benefit category>`; null for a place’s events'),
  place: z.string().nullable().describe('The place’s id, where the event concerns one'),
  actorRole: z.enum(CHAIN_ACTOR_ROLES),
  groupYear: z
    .number()
    .int()
    .nullable()
    .describe('The group year of the queue the entry concerns: the application’s, or the place’s after the event; hashed as a twelfth field where not null. Null in entries written before 30 Nov 2026 (hashed with eleven fields) and in a departure without an application'),
});

export const chainEntriesAnswer = z.strictObject({
  entries: z.array(chainEntry),
  next: z.number().int().nullable().describe('The `from` of the next page; null on the last'),
});

/** R11.3: a head of the region's chain as the service signed it. */
export const signedHead = z.strictObject({
  seq: z.number().int().min(0),
  hash,
  at: z.iso.datetime(),
  signedXml: z.string().describe('The head (region, seq, hash, time) signed by the service, XMLDSig enveloped, its certificate in KeyInfo'),
});

/** R11.3: a certificate the service signs heads with, as the board's check compares it. */
export const headSigner = z.strictObject({
  fingerprint: z
    .string()
    .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    .describe('SHA-256 of the certificate (DER), as `openssl x509 -fingerprint -sha256` prints it'),
  validFrom: z.iso.datetime(),
  validTo: z.iso.datetime(),
});

export const chainHeadsAnswer = z.strictObject({
  heads: z.array(signedHead),
  signers: z
    .array(headSigner)
    .describe('The certificates the service signs heads with, the current one first, from its configuration (not its database): a head signed by another, or outside its validity, is not the service’s'),
});
