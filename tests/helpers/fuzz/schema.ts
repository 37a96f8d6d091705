/**
 * Walking the JSON Schemas of an OpenAPI document ($ref, types, leaf fields) and making valid
 * values for them: the base every fuzzed request starts from.
 */
import { newNonce } from '../pki';

export interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  example?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
}

export interface SchemaWalker {
  deref(s: Schema | undefined): Schema;
  typesOf(s: Schema): string[];
  isNumeric(s: Schema): boolean;
  /** The fields of an object schema, nested objects walked down to their leaves. */
  leaves(schema: Schema, prefix?: string[]): Array<{ path: string[]; schema: Schema }>;
}

/** Schema walking within `doc`, whose `#/…` references it follows. */
export function schemaWalker(doc: unknown): SchemaWalker {
  const deref = (s: Schema | undefined): Schema => {
    let out = s ?? {};
    for (let i = 0; out.$ref && i < 10; i++) out = out.$ref.replace(/^#\//, '').split('/').reduce((o: any, k) => o?.[k], doc) ?? {};
    return out;
  };
  const typesOf = (s: Schema): string[] => {
    s = deref(s);
    const own = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
    return [...own, ...(s.anyOf ?? s.oneOf ?? []).flatMap(typesOf)];
  };
  const isNumeric = (s: Schema) => typesOf(s).some((t) => t === 'integer' || t === 'number');
  const isObject = (s: Schema) => deref(s).properties !== undefined;
  const leaves = (schema: Schema, prefix: string[] = []): Array<{ path: string[]; schema: Schema }> =>
    Object.entries(deref(schema).properties ?? {}).flatMap(([name, s]) =>
      isObject(s) ? leaves(s, [...prefix, name]) : [{ path: [...prefix, name], schema: s }],
    );
  return { deref, typesOf, isNumeric, leaves };
}

/** A date generated for `format: date` fields: far enough ahead that rows it makes touch no other test. */
export const BASE_DATE = '2099-12-28';

const PATTERN_CANDIDATES = ['12', '1', 'fuzz', 'a', BASE_DATE, 'fuzz@example.kz', '+77010000000', '75.UO.2026.000001.1', newNonce(), new Date().toISOString()];

function stringFor(s: Schema): string {
  if (s.format === 'date') return BASE_DATE;
  if (s.format === 'date-time') return new Date().toISOString();
  if (s.format === 'email') return 'fuzz@example.kz';
  if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (s.pattern) {
    const re = new RegExp(s.pattern);
    const hit = PATTERN_CANDIDATES.find((c) => re.test(c));
    if (hit) return hit;
  }
  const text = 'fuzz'.padEnd(s.minLength ?? 0, 'z');
  return s.maxLength !== undefined ? text.slice(0, Math.max(s.maxLength, 1)) : text;
}

/** Values known by field name, before a schema's own: this run's (first) and the document's examples (last). */
export interface KnownValues {
  run: Record<string, () => string>;
  document: Map<string, string>;
}

export interface ExampleValues {
  /** A valid-looking value for a field: this run's own, the document's examples, else generated from its schema. */
  exampleFor(schema: Schema | undefined, name: string): unknown;
  /** `base` with the field at `path` (nested objects made as needed) set to `value`. */
  withField(base: Record<string, unknown>, schema: Schema, path: string[], value: unknown): Record<string, unknown>;
}

export function exampleValues({ deref, typesOf, isNumeric }: SchemaWalker, known: KnownValues): ExampleValues {
  function exampleFor(schema: Schema | undefined, name: string): unknown {
    const s = deref(schema);
    const numeric = isNumeric(s) && !typesOf(s).includes('string');
    const own = known.run[name]?.() ?? s.examples?.[0] ?? s.example ?? known.document.get(name);
    if (own !== undefined) return numeric && typeof own === 'string' ? Number(own) : own;
    if (s.const !== undefined) return s.const;
    if (s.default !== undefined && s.default !== null) return s.default;
    if (s.enum?.length) return s.enum[0];
    const variants = s.anyOf ?? s.oneOf;
    if (variants) return exampleFor(variants.find((v) => !typesOf(v).includes('null')) ?? variants[0], name);
    if (s.properties) return objectExample(s);
    const type = typesOf(s)[0];
    if (type === 'integer' || type === 'number') return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    if (type === 'boolean') return true;
    if (type === 'array') return [];
    return stringFor(s);
  }

  /**
   * An object with every field the document lists, optional ones too: with only the required ones a
   * request can stop early (a calendar day without regionCode is the national calendar, which a
   * regional operator may not edit) and never reach the field being fuzzed.
   */
  function objectExample(schema: Schema): Record<string, unknown> {
    const s = deref(schema);
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([name, field]) => [name, exampleFor(field, name)]));
  }

  function withField(base: Record<string, unknown>, schema: Schema, path: string[], value: unknown): Record<string, unknown> {
    const [head, ...rest] = path;
    const out = { ...base };
    if (rest.length === 0) out[head!] = value;
    else {
      const sub = deref(deref(schema).properties?.[head!]);
      const current = typeof out[head!] === 'object' && out[head!] !== null ? (out[head!] as Record<string, unknown>) : objectExample(sub);
      out[head!] = withField(current, sub, rest, value);
    }
    return out;
  }

  return { exampleFor, withField };
}
