import type { ApplicationStatus } from '../domain/statuses';
import { LABELS } from '../templates/labels';

/** R3.4: a status as people read it, in Kazakh and Russian, beside its stored code. */
export function withStatusLabel<T extends { status: ApplicationStatus }>(item: T): T & { statusLabel: { ru: string; kk: string } } {
  return { ...item, statusLabel: { ru: LABELS.ru.status[item.status], kk: LABELS.kk.status[item.status] } };
}
