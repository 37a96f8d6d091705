/** An instant (ms since the epoch, or a Date) as ISO 8601 in UTC: how every instant leaves the system. */
export const iso = (at: number | Date): string => new Date(at).toISOString();

/** The same, or null for what is not there (a cleared deadline, a NULL column). */
export const isoOrNull = (at: number | Date | null | undefined): string | null => (at == null ? null : iso(at));
