/**
 * The audit lines (api/audit.ts) written while `run` runs whose event `keep` accepts; the audit
 * log is silenced in tests (AUDIT_LOG=off) except while this reads it.
 */
export async function auditLinesOf(run: () => Promise<unknown>, keep: (event: string) => boolean): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
    if (typeof chunk === 'string' && chunk.includes('"name":"audit"')) lines.push(chunk);
    else return write(chunk, ...rest);
    return true;
  });
  const previous = process.env.AUDIT_LOG;
  delete process.env.AUDIT_LOG;
  try {
    await run();
  } finally {
    process.env.AUDIT_LOG = previous;
    spy.mockRestore();
  }
  return lines.map((l) => JSON.parse(l)).filter((e) => keep(String(e.event)));
}
