import { z } from 'zod';
import type { AnswerCheck } from '../../api/route';

/**
 * Holds every answer the API gives in a test to the schema its route declares (the OpenAPI
 * document's response schema). A mismatch fails the request (500) and is kept, so the suite
 * fails at its end even when a test looked only at the status.
 */
export function schemaCheckedAnswers(): { check: AnswerCheck; violations: string[]; checked: Map<string, number> } {
  const violations: string[] = [];
  const checked = new Map<string, number>();
  const check: AnswerCheck = (route, status, body) => {
    const schema = route.ok.schema as z.ZodType | undefined;
    const result = schema ? schema.safeParse(body) : body === undefined ? { success: true as const } : { success: false as const, error: undefined };
    if (!result.success) {
      const why = result.error ? z.prettifyError(result.error) : 'a 204 answer with a body';
      const message = `${route.operationId} answered ${status} against its declared schema:\n${why}\n${JSON.stringify(body)?.slice(0, 2000)}`;
      violations.push(message);
      throw new Error(message);
    }
    checked.set(route.operationId, (checked.get(route.operationId) ?? 0) + 1);
  };
  return { check, violations, checked };
}
