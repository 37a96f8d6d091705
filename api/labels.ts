import type { ApplicationStatus, TransitionCause } from '../domain/statuses';
import { bothLanguages } from '../templates/labels';

/** R3.4: a status as people read it, in Kazakh and Russian, beside its stored code. */
export function withStatusLabel<T extends { status: ApplicationStatus }>(item: T): T & { statusLabel: { ru: string; kk: string } } {
  return { ...item, statusLabel: bothLanguages('status', item.status) };
}

/** R3.3, R3.4: a status and the cause of the change to it, in words, beside their codes. */
export function withStatusWords<T extends { status: ApplicationStatus; statusCause: TransitionCause }>(item: T) {
  return { ...withStatusLabel(item), statusCauseLabel: bothLanguages('cause', item.statusCause) };
}

/** R3.3: each change of the history with its cause in words. */
export function withCauseWords<E extends { cause: TransitionCause }>(entries: E[]) {
  return entries.map((e) => ({ ...e, causeLabel: bothLanguages('cause', e.cause) }));
}
