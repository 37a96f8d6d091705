/** What the API logged for each 5xx, by "METHOD path", to say why in the fuzz test's report. */

/** Whether a logged "METHOD /actual/path" is an instance of "METHOD /template/{param}". */
function matchesTemplate(route: string, logged: string): boolean {
  const [method, template] = route.split(' ');
  const [loggedMethod, path] = logged.split(' ');
  if (method !== loggedMethod) return false;
  const re = new RegExp(`^${template!.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]*')}$`);
  return re.test(path ?? '');
}

export class ServerErrorLog {
  private readonly byPath = new Map<string, Set<string>>();
  private readonly original = console.error;

  /** Takes over console.error: the API's "<METHOD> <path> failed" lines are kept, anything else goes through. */
  install(): void {
    console.error = (...args: unknown[]) => {
      // problemMiddleware logs "<METHOD> <path> failed" and the error behind each 500: kept for the report.
      const m = typeof args[0] === 'string' ? /^(\w+ \S*) failed$/.exec(args[0]) : null;
      if (!m) return this.original(...args);
      const err = args[1] as Error | undefined;
      const message = (err?.message ?? String(err))
        .split('\n')[0]!
        .replace(/^(select|insert|update|delete) .* - /i, '') // knex: "<the SQL> - <what PostgreSQL said>"
        .replace(/\S+\.xml:\d+: /g, '') // the referee's scratch file
        .replace(/\s+/g, ' ')
        .slice(0, 200);
      const set = this.byPath.get(m[1]!) ?? new Set<string>();
      set.add(message);
      this.byPath.set(m[1]!, set);
    };
  }

  restore(): void {
    console.error = this.original;
  }

  clear(): void {
    this.byPath.clear();
  }

  /** What was logged for requests to a route ("METHOD /template/{param}"). */
  saidFor(route: string): string[] {
    return [...new Set([...this.byPath].filter(([k]) => route.startsWith(k.split(' ')[0]!) && matchesTemplate(route, k)).flatMap(([, v]) => [...v]))];
  }
}
