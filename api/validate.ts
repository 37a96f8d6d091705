import type { z } from 'zod';
import { Problem, type ProblemCode } from './problems';

/** Problem codes for a field: one when it is missing, one when it is there but wrong. */
export type FieldCodes = Record<string, { missing?: ProblemCode; invalid?: ProblemCode }>;

/** The problem code for an issue: a custom issue's `params.code`, else the field's, else generic. */
function issueCode(issue: z.core.$ZodIssue, fieldCodes: FieldCodes): ProblemCode {
  const custom = (issue as { params?: { code?: ProblemCode } }).params?.code;
  if (custom) return custom;
  const field = fieldCodes[issue.path.join('.')];
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return (missing ? field?.missing : field?.invalid) ?? 'VALIDATION_FAILED';
}

/**
 * Parses untrusted input with a zod schema; on failure a 400 problem whose `code` and `field` name
 * the first problem, with every problem listed under `errors`.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  fieldCodes: FieldCodes = {},
): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    field: issue.path.join('.'),
    code: issueCode(issue, fieldCodes),
    message: issue.message,
  }));
  const first = errors[0]!;
  throw new Problem(first.code, `${first.field || 'body'}: ${first.message}`, { field: first.field, errors });
}
