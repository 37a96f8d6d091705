// `npm run fuzz [-- options] [-- st run options]`: Schemathesis against a stack of its own, started
// from an empty folder, once anonymously and once with the token of each role (options: --help).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { createDb } from '../../db/connection';
import { ensureTestPki } from '../pki/test-pki';
import { TestSigner } from '../pki/test-signer';
import { startBenchStack, type BenchStack } from '../bench/stack';
import { summarise, type RunResult } from './report';

const root = path.resolve(__dirname, '..', '..');
const outDir = path.join(root, '.data', 'fuzz');

/** Who the runs are made as: anonymous, and one seeded person of each role (db/seeds/development.ts). */
const ROLES = {
  anonymous: undefined,
  parent: '920417401013',
  staff: '900909403030',
  operator: '830303303024',
} as const;
type Role = keyof typeof ROLES;

/**
 * The operations a role's run spends its budget on: its own and the logged-in person's (/me). The
 * anonymous run sends every operation, the public ones included; `--all-operations` sends every
 * operation in every run (another role's answer 403, so this mostly spends the budget).
 */
const FOCUS: Record<Exclude<Role, 'anonymous'>, string> = {
  parent: '^/api/v1/(me(/|$)|applications(/|$))',
  staff: '^/api/v1/(me(/|$)|staff/)',
  operator: '^/api/v1/(me(/|$)|admin/)',
};

const LOGOUT = '/api/v1/auth/logout';

/** Each link of an OpenAPI document as the paths of its two operations. */
function linkedPaths(doc: { paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, { links?: Record<string, { operationId: string }> }> }>> }): [string, string][] {
  const pathOf = new Map(Object.entries(doc.paths).flatMap(([p, ops]) => Object.values(ops).map((op) => [op.operationId, p] as const)));
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.values(ops).flatMap((op) => Object.values(op.responses ?? {}).flatMap((r) => Object.values(r.links ?? {}).map((l) => [p, pathOf.get(l.operationId) ?? ''] as [string, string]))),
  );
}

/** Whether a run's path filter (none, --include-path, --include-path-regex, --exclude-path) takes a path. */
function inRun(args: string[], path: string): boolean {
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const include = value('--include-path');
  const regex = value('--include-path-regex');
  const exclude = value('--exclude-path');
  return (include === undefined || include === path) && (regex === undefined || new RegExp(regex).test(path)) && exclude !== path;
}

/** The checks of `st run --checks all` in Schemathesis 4.32 (`st run --help`). */
const CHECKS = [
  'not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_headers_conformance', 'response_schema_conformance',
  'negative_data_rejection', 'positive_data_acceptance', 'missing_required_header', 'unsupported_method', 'allow_header_conformance',
  'use_after_free', 'ensure_resource_availability', 'ignored_auth', 'object_level_authorization', 'max_response_time',
];

const HELP = `npm run fuzz [-- options] [-- extra options for st run]

  --roles LIST          which runs, of ${Object.keys(ROLES).join(',')} (FUZZ_ROLES; default all)
  --max-examples N      test cases per operation and phase (FUZZ_MAX_EXAMPLES; default 50)
  --max-time S          seconds each run may take, 0 for no limit (FUZZ_MAX_TIME; default 0, CI: 45);
                        with a limit Schemathesis keeps fuzzing until it is spent
  --seed N              Schemathesis's seed (FUZZ_SEED; default a random one, printed)
  --workers N           Schemathesis's worker threads (FUZZ_WORKERS; default 1: with more, CPython
                        3.11.7's ast module can fail Schemathesis now and then with "SystemError:
                        AST constructor recursion depth mismatch", for about 10 % more requests)
  --fail-on LIST        the checks whose failures fail the command, or all; -check leaves one out (FUZZ_FAIL_ON; default all);
                        every failure is reported either way
  --all-operations      every run sends every operation, not only its role's (FUZZ_ALL_OPERATIONS=1)
  --serve               start the stack, log everyone in, print the tokens and wait (Ctrl-C stops)

Reports: .data/fuzz/reports/<run>/ (JUnit XML, NDJSON events), the findings in
.data/fuzz/summary.md; the stack's data and logs (api.log has the server errors) in .data/fuzz/stack/.
Exit status 1 when a check of --fail-on failed or Schemathesis reported an error.`;

interface Options {
  roles: Role[];
  maxExamples: number;
  maxTime: number;
  seed: number;
  workers: number;
  serve: boolean;
  allOperations: boolean;
  failOn: string[];
  /** Passed to every `st run` as they are. */
  extra: string[];
}

function parseOptions(argv: string[]): Options {
  const sep = argv.indexOf('--');
  const own = sep >= 0 ? argv.slice(0, sep) : argv;
  const extra = sep >= 0 ? argv.slice(sep + 1) : [];
  const value = (name: string, env: string, fallback: string): string => {
    const i = own.indexOf(`--${name}`);
    if (i >= 0) {
      const v = own[i + 1];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      own.splice(i, 2);
      return v;
    }
    return process.env[env] || fallback;
  };
  const int = (name: string, env: string, fallback: number, min: number): number => {
    const raw = value(name, env, String(fallback));
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} (${env}) must be an integer ≥ ${min}, not ${raw}`);
    return n;
  };
  if (own.includes('--help') || own.includes('-h')) {
    console.log(HELP);
    process.exit(0);
  }
  const flag = (name: string) => {
    const i = own.indexOf(`--${name}`);
    if (i >= 0) own.splice(i, 1);
    return i >= 0;
  };
  const serve = flag('serve');
  const allOperations = flag('all-operations') || process.env.FUZZ_ALL_OPERATIONS === '1';
  const roles = value('roles', 'FUZZ_ROLES', Object.keys(ROLES).join(','))
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of roles) if (!(r in ROLES)) throw new Error(`unknown role ${r}; the roles are ${Object.keys(ROLES).join(', ')}`);
  const named = value('fail-on', 'FUZZ_FAIL_ON', 'all')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  // `-check` leaves a check out: `all,-positive_data_acceptance`.
  const excluded = named.filter((c) => c.startsWith('-')).map((c) => c.slice(1));
  const included = named.filter((c) => !c.startsWith('-'));
  for (const c of [...included, ...excluded]) if (c !== 'all' && !CHECKS.includes(c)) throw new Error(`--fail-on: unknown check ${c}; the checks are ${CHECKS.join(', ')}`);
  const failOn = excluded.length === 0 ? included : (included.includes('all') || included.length === 0 ? CHECKS : included).filter((c) => !excluded.includes(c));
  const options: Options = {
    roles: roles as Role[],
    maxExamples: int('max-examples', 'FUZZ_MAX_EXAMPLES', 50, 1),
    maxTime: int('max-time', 'FUZZ_MAX_TIME', process.env.CI ? 45 : 0, 0),
    seed: int('seed', 'FUZZ_SEED', randomInt(2 ** 31), 0),
    workers: int('workers', 'FUZZ_WORKERS', 1, 1),
    serve,
    allOperations,
    failOn,
    extra,
  };
  if (own.length > 0) throw new Error(`unknown option ${own[0]} (options for st run go after a second --); see npm run fuzz -- --help`);
  return options;
}

/** R1.1: a session as a portal gets one: the challenge signed with the AUTH key, then the first-login e-mail. */
async function logIn(stack: BenchStack, signer: TestSigner, staffBin: (iin: string) => Promise<string | undefined>, iin: string): Promise<string> {
  const call = async (method: string, url: string, body?: unknown, token?: string) => {
    const res = await fetch(`${stack.apiUrl}${url}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url} as ${iin}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  // Staff log in with their employee certificate, naming their employer's BIN.
  const bin = await staffBin(iin);
  const challenge = await call('POST', '/api/v1/auth/challenge');
  const login = await call('POST', '/api/v1/auth/login', await signer.login(iin, challenge.xml, bin ? 'employee' : 'individual', bin));
  if (login.emailRequired) await call('PUT', '/api/v1/me/email', { email: `${iin}@example.kz` }, login.token);
  return login.token as string;
}

let current: ReturnType<typeof spawn> | undefined;

function st(stPath: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(stPath, args, { cwd, stdio: 'inherit', env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    current = child;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const { schemathesisPath, schemathesisPin } = await import('../lib/tools.mjs');
  const stPath = schemathesisPath();
  if (!fs.existsSync(stPath)) throw new Error(`no Schemathesis at ${stPath}: run node scripts/bootstrap.mjs --fuzz`);

  // A stack of its own from an empty folder: the runs create, change and delete things.
  const stackDir = path.join(outDir, 'stack');
  fs.rmSync(stackDir, { recursive: true, force: true });
  fs.mkdirSync(stackDir, { recursive: true });
  const started = Date.now();
  console.error(`[fuzz] starting a stack in ${path.relative(root, stackDir)}`);
  const stack = await startBenchStack({ dataDir: stackDir, logDir: stackDir });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stack.stop());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      current?.kill('SIGINT');
      void stop().then(() => process.exit(130));
    });
  }
  const db = createDb(stack.databaseUrl, 2);
  try {
    const signer = new TestSigner(() => ensureTestPki(stack.pkiDir));
    const staffBin = async (iin: string) => (await db('staff').where({ iin }).first('organisation_bin'))?.organisation_bin as string | undefined;
    const session = (iin: string) => logIn(stack, signer, staffBin, iin);
    const schemaUrl = `${stack.apiUrl}/api/v1/openapi.json`;
    console.error(`[fuzz] the API is up at ${stack.apiUrl} after ${Math.round((Date.now() - started) / 1000)} s`);

    if (options.serve) {
      console.log(`export API=${stack.apiUrl}`);
      for (const role of Object.keys(ROLES) as Role[]) {
        const iin = ROLES[role];
        if (iin) console.log(`export ${role.toUpperCase()}_TOKEN=${await session(iin)}  # ${iin}`);
      }
      console.error(`[fuzz] schema ${schemaUrl}; the API's log ${path.relative(root, stackDir)}/api.log; Ctrl-C stops the stack`);
      await new Promise(() => {});
    }

    const reportsDir = path.join(outDir, 'reports');
    fs.rmSync(reportsDir, { recursive: true, force: true });
    console.error(
      `[fuzz] schemathesis ${schemathesisPin.version}; seed ${options.seed}, ${options.maxExamples} examples per operation and phase` +
        `${options.maxTime ? `, ${options.maxTime} s a run` : ''}; runs: ${options.roles.join(', ')}`,
    );
    const results: RunResult[] = [];
    const runs: { name: string; role: Role; args: string[] }[] = [];
    for (const role of options.roles) {
      if (role === 'anonymous') {
        runs.push({ name: role, role, args: [] });
        continue;
      }
      // Logging out ends the session the other operations run with: it gets a run of its own.
      const only = options.allOperations ? ['--exclude-path', LOGOUT] : ['--include-path-regex', FOCUS[role]];
      runs.push({ name: role, role, args: only });
      runs.push({ name: `${role}-logout`, role, args: ['--include-path', LOGOUT] });
    }
    const linked = linkedPaths((await (await fetch(schemaUrl)).json()) as Parameters<typeof linkedPaths>[0]);
    for (const run of runs) {
      // A session of its own for each run, made just before it (sessions last SESSION_TTL_MINUTES).
      const iin = ROLES[run.role];
      const auth = iin ? ['-H', `Authorization: Bearer ${await session(iin)}`] : [];
      const dir = path.join(reportsDir, run.name);
      fs.mkdirSync(dir, { recursive: true });
      const args = [
        '--config-file',
        path.join(__dirname, 'schemathesis.toml'),
        'run',
        schemaUrl,
        '--checks',
        'all',
        '--seed',
        String(options.seed),
        '--max-examples',
        String(options.maxExamples),
        '--workers',
        String(options.workers),
        '--report',
        'junit,ndjson',
        '--report-dir',
        dir,
        // Every case of an operation, not only up to its first failure: one finding must not hide the next.
        '--continue-on-failure',
        '--generation-database',
        path.join(outDir, 'examples'),
        ...(options.maxTime && !run.name.endsWith('-logout') ? ['--max-time', String(options.maxTime)] : []),
        ...auth,
        ...run.args,
        // The stateful phase follows the document's links; a run whose operations hold no link has none to follow.
        ...(linked.some(([from, to]) => inRun(run.args, from) && inRun(run.args, to)) ? [] : ['--phases', 'examples,coverage,fuzzing']),
        ...options.extra,
      ];
      console.error(`\n[fuzz] ${run.name}: st ${args.map((a) => (a.startsWith('Authorization') ? 'Authorization: Bearer …' : a)).join(' ')}`);
      const t = Date.now();
      const exitCode = await st(stPath, args, outDir);
      results.push({ name: run.name, role: run.role, exitCode, seconds: Math.round((Date.now() - t) / 1000), dir });
    }
    // Server errors are replayed for their cause, each with a live session of the run's role.
    const fresh = new Map<string, Promise<string>>();
    const tokenFor = async (role: string) => {
      const iin = ROLES[role as Role];
      if (!iin) return undefined;
      if (!fresh.has(role)) fresh.set(role, session(iin));
      return fresh.get(role)!;
    };
    const { text, failed } = await summarise(results, { seed: options.seed, apiUrl: stack.apiUrl, apiLog: path.join(stackDir, 'api.log'), tokenFor, failOn: options.failOn });
    fs.writeFileSync(path.join(outDir, 'summary.md'), text);
    console.log(`\n${text}`);
    console.error(`[fuzz] ${Math.round((Date.now() - started) / 1000)} s in all; findings in ${path.relative(root, path.join(outDir, 'summary.md'))}`);
    process.exitCode = failed ? 1 : 0;
  } finally {
    await db.destroy();
    await stop();
  }
}

main().catch((err) => {
  console.error(`[fuzz] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
