/**
 * The fuzz cases, derived from the operations: one hostile value in one place (a path or query
 * parameter, a JSON body field, a field of a signed document, a header) of an otherwise valid request.
 */
import { newNonce } from '../pki';
import type { RawRequest } from '../raw-http';
import type { Op } from './operations';
import { exampleValues, type KnownValues, type Schema, type SchemaWalker } from './schema';
import { setLeaf, signedBody, withRunValues, xmlLeaves } from './signed-xml';
import { NUMBERS, STRINGS, pct, wtf8, type Bad } from './values';

export interface Case {
  op: Op;
  where: string;
  value: string;
  /** The request, built once per case and sent as each identity. */
  build: (iin: string | undefined) => Promise<RawRequest>;
  /** Headers with raw bytes go over a plain socket. */
  socket?: boolean;
}

export interface FuzzCases {
  paramCases(where: 'path' | 'query', ops: Op[]): Case[];
  bodyCases(ops: Op[]): Case[];
  /** Each field of each signed document (its own fields, nested ones, and the envelope), signed with the value in it. */
  signedCases(ops: Op[]): Case[];
  /** The headers the API reads. Authorization on every route (it replaces the session); Idempotency-Key anonymously everywhere and with a session on reads (a session on a write would perform it). */
  headerCases(ops: Op[]): { authorization: Case[]; idempotency: Case[] };
}

/** `known.run` holds values only this run knows; `parentIin` signs where no identity of the route's role does. */
export function fuzzCases(walker: SchemaWalker, known: KnownValues, parentIin: string): FuzzCases {
  const { leaves, isNumeric } = walker;
  const { exampleFor, withField } = exampleValues(walker, known);
  const valuesFor = (schema: Schema) => (isNumeric(schema) ? [...NUMBERS, ...STRINGS] : STRINGS);

  /** A path parameter's base: this run's own, else a document example named like it (`code` → regionCode, `number` → applicationNumber), else 1. */
  function pathParamBase(name: string): string {
    const suffix = name[0]!.toUpperCase() + name.slice(1);
    const alike = [...known.document].find(([k]) => k.endsWith(suffix))?.[1];
    return known.run[name]?.() ?? known.document.get(name) ?? alike ?? '1';
  }

  function urlOf(op: Op, fuzz?: { in: string; name: string; value: string }): string {
    const path = op.template.replace(/\{(\w+)\}/g, (_, name: string) =>
      fuzz?.in === 'path' && fuzz.name === name ? pct(fuzz.value) : pct(pathParamBase(name)),
    );
    const query = op.params
      .filter((p) => p.in === 'query')
      .map((p) => {
        const value = fuzz?.in === 'query' && fuzz.name === p.name ? fuzz.value : String(exampleFor(p.schema, p.name));
        return `${pct(p.name)}=${pct(value)}`;
      });
    return query.length ? `${path}?${query.join('&')}` : path;
  }

  /** The valid body of an operation: its signed example document, or every field of its schema with a valid value. */
  async function baseBody(op: Op, iin: string | undefined): Promise<string | undefined> {
    if (op.signed?.example && iin) return signedBody(op.signed, iin, withRunValues(op.signed.example, known.run));
    if (op.body) return JSON.stringify(exampleFor(op.body, ''));
    return undefined;
  }

  function paramCases(where: 'path' | 'query', ops: Op[]): Case[] {
    return ops.flatMap((op) =>
      op.params
        .filter((p) => p.in === where)
        .flatMap((p) =>
          STRINGS.map((bad) => ({
            op,
            where: `${where} ${p.name}`,
            value: bad.label,
            build: async (iin: string | undefined) => ({ method: op.method, url: urlOf(op, { in: where, name: p.name, value: String(bad.value) }), body: await baseBody(op, iin) }),
          })),
        ),
    );
  }

  function bodyCases(ops: Op[]): Case[] {
    return ops.flatMap((op) => {
      const fieldCases = op.body
        ? leaves(op.body).flatMap(({ path, schema }) =>
            valuesFor(schema).map((bad) => ({
              op,
              where: `body ${path.join('.')}`,
              value: bad.label,
              build: async (iin: string | undefined) => {
                // A signed route's only body field is the signed document: the base is a signed example.
                const base = op.signed?.example && iin ? JSON.parse((await baseBody(op, iin))!) : exampleFor(op.body, '');
                return { method: op.method, url: urlOf(op), body: JSON.stringify(withField(base as Record<string, unknown>, op.body!, path, bad.value)) };
              },
            })),
          )
        : [];
      // The whole body one of the values: for every route that takes a body, documented or not.
      const wholeBody = ['POST', 'PUT', 'PATCH'].includes(op.method)
        ? [...NUMBERS, ...STRINGS].map((bad) => ({
            op,
            where: 'the whole JSON body',
            value: bad.label,
            build: async () => ({ method: op.method, url: urlOf(op), body: JSON.stringify(bad.value) }),
          }))
        : [];
      return [...fieldCases, ...wholeBody];
    });
  }

  function signedCases(ops: Op[]): Case[] {
    return ops
      .filter((op) => op.signed?.example)
      .flatMap((op) => {
        const example = op.signed!.example!;
        const paths = [...xmlLeaves(example), ...leaves(op.signed!.fields).map((l) => l.path)];
        const unique = [...new Map(paths.map((p) => [p.join('.'), p])).values()];
        return unique.flatMap((path) => [
          ...STRINGS.map((bad) => ({
            op,
            where: `signed <${op.signed!.root}> ${path.join('.')}`,
            value: bad.label,
            build: async (iin: string | undefined) => ({
              method: op.method,
              url: urlOf(op),
              body: await signedBody(op.signed!, iin ?? parentIin, setLeaf(withRunValues(example, known.run), path, String(bad.value))),
            }),
          })),
          // A NUL spliced into a document signed without it: the raw JSON body the brief asks for.
          {
            op,
            where: `signed <${op.signed!.root}> ${path.join('.')} (spliced in after signing)`,
            value: STRINGS[0]!.label,
            build: async (iin: string | undefined) => {
              const marker = `FUZZMARKER${newNonce().replace(/[^A-Za-z0-9]/g, '')}`;
              const body = JSON.parse(await signedBody(op.signed!, iin ?? parentIin, setLeaf(withRunValues(example, known.run), path, marker)));
              body[op.signed!.property] = String(body[op.signed!.property]).replace(marker, String(STRINGS[0]!.value));
              return { method: op.method, url: urlOf(op), body: JSON.stringify(body) };
            },
          },
        ]);
      });
  }

  function headerCases(ops: Op[]): { authorization: Case[]; idempotency: Case[] } {
    const raw = (bad: Bad) => wtf8(String(bad.value));
    const authorization = ops.flatMap((op) =>
      STRINGS.map((bad) => ({
        op: { ...op, role: 'anyone' },
        where: 'header Authorization: Bearer …',
        value: bad.label,
        socket: true,
        build: async () => ({ method: op.method, url: urlOf(op), body: await baseBody(op, parentIin), rawHeaders: [['Authorization', Buffer.concat([Buffer.from('Bearer '), raw(bad)])]] as Array<[string, Buffer]> }),
      })),
    );
    const idempotency = ops.flatMap((op) =>
      STRINGS.map((bad) => ({
        op: op.method === 'GET' ? op : { ...op, role: 'anyone' },
        where: 'header Idempotency-Key',
        value: bad.label,
        socket: true,
        build: async (iin: string | undefined) => ({ method: op.method, url: urlOf(op), body: await baseBody(op, iin ?? parentIin), rawHeaders: [['Idempotency-Key', raw(bad)]] as Array<[string, Buffer]> }),
      })),
    );
    return { authorization, idempotency };
  }

  return { paramCases, bodyCases, signedCases, headerCases };
}
