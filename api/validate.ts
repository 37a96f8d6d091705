import type { Context } from 'koa';
import type { z } from 'zod';
import { Problem, type ProblemCode } from './problems';

/** Problem codes for a field: one when it is missing, one when it is there but wrong. */
export type FieldCodes = Record<string, { missing?: ProblemCode; invalid?: ProblemCode }>;

/** Where a value came from, named in the problem so the client knows which part to fix. */
export type InputLocation = 'body' | 'query' | 'path' | 'document';

/** The problem code for an issue: a custom issue's `params.code`, else the field's, else generic. */
function issueCode(issue: z.core.$ZodIssue, fieldCodes: FieldCodes): ProblemCode {
  const custom = (issue as { params?: { code?: ProblemCode } }).params?.code;
  if (custom) return custom;
  const field = fieldCodes[issue.path.join('.')];
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return (missing ? field?.missing : field?.invalid) ?? 'VALIDATION_FAILED';
}

/**
 * Parses untrusted input with a zod schema; on failure a 400 problem whose `code`, `field` and `in`
 * name the first problem, with every problem listed under `errors`.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  fieldCodes: FieldCodes = {},
  location: InputLocation = 'body',
): z.infer<S> {
  if (input === undefined && location === 'body') throw new Problem('BODY_REQUIRED', 'this request needs a JSON body', { in: 'body' });
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    field: issue.path.join('.'),
    in: location,
    code: issueCode(issue, fieldCodes),
    message: issue.message,
  }));
  const first = errors[0]!;
  throw new Problem(first.code, `${location}${first.field ? ` ${first.field}` : ''}: ${first.message}`, { field: first.field, in: location, errors });
}

/** The JSON body; a missing one is BODY_REQUIRED. */
export const validateBody = <S extends z.ZodType>(ctx: Context, schema: S, fieldCodes?: FieldCodes): z.infer<S> =>
  validate(schema, ctx.request.body, fieldCodes, 'body');

/** The query string, each parameter named in a refusal. */
export const validateQuery = <S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> => validate(schema, ctx.query, {}, 'query');

/** The path parameters, each named in a refusal. */
export const validateParams = <S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> => validate(schema, ctx.params, {}, 'path');
