/**
 * Who logged in, and who was refused what and why: one JSON line each on stderr, for the log
 * pipeline. Never a token or a signed document. AUDIT_LOG=off silences it (tests).
 */
export function audit(event: string, fields: Record<string, unknown>): void {
  if (process.env.AUDIT_LOG === 'off') return;
  process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event, ...fields })}\n`);
}
