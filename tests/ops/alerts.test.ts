import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const OPS = path.resolve(__dirname, '..', '..', 'ops');
const UNIT_TESTS = ['alerts.test.yml', 'alerts-weekly.test.yml'];

/** Debian's promtool (package `prometheus`, which `npm run bootstrap` installs where it may). */
function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: OPS, encoding: 'utf8' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error("promtool is not installed: `npm run bootstrap` installs Debian's `prometheus` package (as root), or `apt-get install prometheus`");
  }
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (): AlertRule[] =>
  (parse(fs.readFileSync(path.join(OPS, 'alerts.yml'), 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules);

describe('the alerting rules of ops/alerts.yml', () => {
  it('are valid Prometheus rules (promtool check rules)', () => {
    const { status, output } = promtool('check', 'rules', 'alerts.yml');
    expect([status, output]).toEqual([0, expect.stringContaining(`SUCCESS: ${rules().length} rules found`)]);
  });

  it('fire when they must and not otherwise (promtool test rules on fed series)', () => {
    const { status, output } = promtool('test', 'rules', ...UNIT_TESTS);
    expect([status, output]).toEqual([0, expect.not.stringContaining('FAILED')]);
    expect(output.match(/SUCCESS/g)).toHaveLength(UNIT_TESTS.length);
  });

  it('each alert says how grave it is, what it means and what to check first, and has unit tests both ways', () => {
    const alerts = rules().filter((r) => r.alert);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining(['OfferWaveDidNotRun', 'OfferWaveSlow', 'OfferWaveStuck', 'NoticesFailing', 'WorkflowTaskFailures', 'QueueNotMoving', 'DependencyDown', 'ProcessDown']),
    );
    const cases = UNIT_TESTS.flatMap((file) => {
      const doc = parse(fs.readFileSync(path.join(OPS, file), 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
      return doc.tests.flatMap((t) => t.alert_rule_test);
    });
    for (const a of alerts) {
      expect([a.alert, a.labels?.severity]).toEqual([a.alert, expect.stringMatching(/^(page|warning)$/)]);
      expect([a.alert, Object.keys(a.annotations ?? {}).sort()]).toEqual([a.alert, ['description', 'runbook', 'summary']]);
      const own = cases.filter((c) => c.alertname === a.alert);
      // Proven to fire, and proven to keep quiet.
      expect([a.alert, own.some((c) => c.exp_alerts.length > 0), own.some((c) => c.exp_alerts.length === 0)]).toEqual([a.alert, true, true]);
    }
  });

  it('name the metrics the processes export: the API figures of telemetry/service-figures.ts and the SDK counter', () => {
    const figures = fs.readFileSync(path.resolve(OPS, '..', 'telemetry', 'service-figures.ts'), 'utf8');
    const used = new Set(rules().flatMap((r) => r.expr.match(/\bkq_[a-z_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect([name, figures.includes(`'${name}'`)]).toEqual([name, true]);
    expect(rules().some((r) => r.expr.includes('temporal_workflow_task_execution_failed['))).toBe(true);
  });
});
