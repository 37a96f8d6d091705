import { createLogger, type Logger } from '../../../telemetry/log';

/** Whether a logged "METHOD /actual/path" is an instance of "METHOD /template/{param}". */
function matchesTemplate(route: string, logged: string): boolean {
  const [method, template] = route.split(' ');
  const [loggedMethod, path] = logged.split(' ');
  if (method !== loggedMethod) return false;
  const re = new RegExp(`^${template!.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]*')}$`);
  return re.test(path ?? '');
}

/** What the API logged for each 5xx, by "METHOD path", to say why in the fuzz test's report. */
export class ServerErrorLog {
  private readonly byPath = new Map<string, Set<string>>();

  /**
   * The API's logger for the fuzz run: each request's line at error (a 5xx, with the error behind a
   * 500 as `err`) is kept by "METHOD path" for the report; nothing else is kept or printed.
   */
  readonly logger: Logger = createLogger({ name: 'api', level: 'error', destination: { write: (line: string) => this.take(line) } });

  private take(line: string): void {
    const { method, url, err, msg } = JSON.parse(line) as { method?: string; url?: string; err?: { message?: string }; msg?: string };
    if (!method || !url) return;
    const message = (err?.message ?? msg ?? '')
      .split('\n')[0]!
      .replace(/^(select|insert|update|delete) .* - /i, '') // knex: "<the SQL> - <what PostgreSQL said>"
      .replace(/\S+\.xml:\d+: /g, '') // the referee's scratch file
      .replace(/\s+/g, ' ')
      .slice(0, 200);
    const key = `${method} ${url.split('?', 1)[0]}`;
    const set = this.byPath.get(key) ?? new Set<string>();
    set.add(message);
    this.byPath.set(key, set);
  }

  clear(): void {
    this.byPath.clear();
  }

  /** What was logged for requests to a route ("METHOD /template/{param}"). */
  saidFor(route: string): string[] {
    return [...new Set([...this.byPath].filter(([k]) => route.startsWith(k.split(' ')[0]!) && matchesTemplate(route, k)).flatMap(([, v]) => [...v]))];
  }
}
