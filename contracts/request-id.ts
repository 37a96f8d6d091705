import { defaultPayloadConverter, type Headers } from '@temporalio/common';

/**
 * The contract of request IDs across processes: the API names each request (X-Request-Id), and the
 * ID travels in this Temporal header with every start, signal and update the request causes, on to
 * the activities those run, so one grep finds a request's lines in the API, workflow and activity
 * logs. Workflow-safe: the workflow interceptors (workflows/interceptors.ts) import it too.
 */
export const REQUEST_ID_HEADER = 'kq-request-id';

/** What a request ID may look like when a caller brings one: short, and nothing a log could misread. */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** `headers` with the request ID added (unchanged without one). */
export function withRequestId(headers: Headers, requestId: string | undefined): Headers {
  return requestId ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;
}

/** The request ID a message carries, if it carries a sane one. */
export function requestIdOf(headers: Headers | undefined): string | undefined {
  const payload = headers?.[REQUEST_ID_HEADER];
  if (!payload) return undefined;
  try {
    const id: unknown = defaultPayloadConverter.fromPayload(payload);
    return typeof id === 'string' && SANE_REQUEST_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
