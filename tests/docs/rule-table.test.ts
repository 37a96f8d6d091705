import fs from 'node:fs';
import path from 'node:path';

/**
 * README.md's table "Rules and the tests that prove them" against RULES.md and the test sources.
 * A row is `| R5.2 | `tests/…/file.test.ts` › test name |`; a cell may name several tests,
 * separated by `<br>`. A `|` inside a test name is written `\|`.
 */

const ROOT = path.resolve(__dirname, '../..');
// CI checks out ../shared beside the clone.
const RULES_MD = path.resolve(ROOT, '../shared/RULES.md');
// Another README (a draft of the table) can be checked the same way.
const README_MD = process.env.RULE_TABLE_README ? path.resolve(process.env.RULE_TABLE_README) : path.join(ROOT, 'README.md');
export const SECTION = '## Rules and the tests that prove them';
// R11.3 (the hash-chained history) is the one rule the table may leave out.
const EXEMPT = new Set(['R11.3']);

const RULE_ID = /^R\d+\.\d+$/;
const CELL_TEST = /^`(tests\/[^`]+\.test\.ts)` › (.+)$/;
// The name given to it/test/describe (and their .each forms): the first string argument.
const TEST_NAME = /(?<![.\w])(?:it|test|describe)(?:\.each\([\s\S]*?\)|\.(?:only|concurrent))?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;

export interface Row {
  rule: string;
  tests: { file: string; name: string }[] | 'TODO';
  line: number;
}

/** The rule IDs of RULES.md, in order: the bullets `- R5.2 …`. */
export function ruleIds(rulesMd: string): string[] {
  return [...rulesMd.matchAll(/^- (R\d+\.\d+)\b/gm)].map((m) => m[1]!);
}

/** The table rows of the section; `problems` gets every line that is not a row of the form. */
export function parseTable(readme: string, problems: string[]): Row[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.trim() === SECTION);
  if (start < 0) {
    problems.push(`README has no section "${SECTION}"`);
    return [];
  }
  const end = lines.findIndex((l, i) => i > start && /^#{1,2} /.test(l));
  const rows: Row[] = [];
  let header = false;
  for (let i = start + 1; i < (end < 0 ? lines.length : end); i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith('|')) continue;
    const cells = line.slice(1, line.endsWith('|') && !line.endsWith('\\|') ? -1 : undefined).split(/(?<!\\)\|/).map((c) => c.trim());
    if (!header) {
      header = true;
      if (cells.join('|') !== 'Rule|Test') problems.push(`line ${i + 1}: the table's header must be | Rule | Test |`);
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    if (cells.length !== 2 || !RULE_ID.test(cells[0]!)) {
      problems.push(`line ${i + 1}: not a row "| R<n>.<m> | tests |": ${line}`);
      continue;
    }
    if (/^TODO\b/.test(cells[1]!)) {
      rows.push({ rule: cells[0]!, tests: 'TODO', line: i + 1 });
      continue;
    }
    const tests: { file: string; name: string }[] = [];
    for (const part of cells[1]!.split(/\s*<br\s*\/?>\s*/)) {
      const m = CELL_TEST.exec(part);
      if (!m) problems.push(`line ${i + 1}: ${cells[0]} names a test not as \`tests/…/file.test.ts\` › test name: ${part}`);
      else tests.push({ file: m[1]!, name: m[2]!.replace(/\\\|/g, '|') });
    }
    rows.push({ rule: cells[0]!, tests, line: i + 1 });
  }
  if (!header) problems.push(`the section "${SECTION}" has no table`);
  return rows;
}

/** The names given to it/test/describe in a test file's source, as the runner sees them. */
export function testNames(source: string): Set<string> {
  return new Set([...source.matchAll(TEST_NAME)].map((m) => m[2]!.replace(/\\(.)/g, '$1')));
}

const mentions = (name: string, rule: string) => new RegExp(`(^|[^\\d.])${rule.replace('.', '\\.')}(?!\\d)`).test(name);

/** Everything wrong with the table; empty when every rule but the exempt has a row naming a test that exists and names the rule. */
export function checkRuleTable(rulesMd: string, readme: string, readSource: (file: string) => string | undefined): string[] {
  const problems: string[] = [];
  const ids = ruleIds(rulesMd);
  const rows = parseTable(readme, problems);
  const seen = new Map<string, number>();
  for (const row of rows) {
    if (seen.has(row.rule)) problems.push(`line ${row.line}: ${row.rule} has a second row (the first is on line ${seen.get(row.rule)})`);
    seen.set(row.rule, row.line);
    if (!ids.includes(row.rule)) problems.push(`line ${row.line}: ${row.rule} is not a rule of RULES.md`);
    if (row.tests === 'TODO') {
      problems.push(`line ${row.line}: ${row.rule} is still TODO`);
      continue;
    }
    if (row.tests.length === 0) problems.push(`line ${row.line}: ${row.rule} names no test`);
    for (const { file, name } of row.tests) {
      const source = readSource(file);
      if (source === undefined) {
        problems.push(`line ${row.line}: ${row.rule}: no file ${file}`);
        continue;
      }
      if (!mentions(name, row.rule)) problems.push(`line ${row.line}: ${row.rule}: the test name does not name the rule: ${name}`);
      if (!testNames(source).has(name)) problems.push(`line ${row.line}: ${row.rule}: ${file} has no test or describe named: ${name}`);
    }
  }
  for (const id of ids) if (!EXEMPT.has(id) && !seen.has(id)) problems.push(`${id} has no row`);
  return problems;
}

const readRepoFile = (file: string) => {
  const full = path.resolve(ROOT, file);
  // Only test files of this repository count as proof.
  if (!full.startsWith(path.join(ROOT, 'tests') + path.sep) || !fs.existsSync(full)) return undefined;
  return fs.readFileSync(full, 'utf8');
};

describe('the README table of rules and the tests that prove them', () => {
  it('names, for every rule ID of RULES.md but R11.3, a test that exists and names the rule; and no rule RULES.md lacks', () => {
    const problems = checkRuleTable(fs.readFileSync(RULES_MD, 'utf8'), fs.readFileSync(README_MD, 'utf8'), readRepoFile);
    expect(problems).toEqual([]);
  });
});

describe('the check itself', () => {
  const rules = '## R1\n- R1.1 one\n- R1.2 two\n## R11\n- R11.3 chain\n';
  const source = "describe('R1.1 login', () => {\n  it('R1.2 a signed action', () => {});\n  it('the owner\\'s R1.1 key', () => {});\n});\n";
  const read = (file: string) => (file === 'tests/api/a.test.ts' ? source : undefined);
  const table = (...rows: string[]) => `# X\n\n${SECTION}\n\nChecked.\n\n| Rule | Test |\n|---|---|\n${rows.join('\n')}\n\n## Next\n| R9.9 | ignored |\n`;
  const r11 = '| R1.1 | `tests/api/a.test.ts` › R1.1 login<br>`tests/api/a.test.ts` › the owner\'s R1.1 key |';
  const r12 = '| R1.2 | `tests/api/a.test.ts` › R1.2 a signed action |';

  it('passes a complete table (R11.3 may be left out)', () => {
    expect(checkRuleTable(rules, table(r11, r12), read)).toEqual([]);
  });

  it('fails when a row is missing, is TODO, or the section is absent', () => {
    expect(checkRuleTable(rules, table(r11), read)).toEqual(['R1.2 has no row']);
    expect(checkRuleTable(rules, table(r11, '| R1.2 | TODO (pending) |'), read)).toEqual(['line 10: R1.2 is still TODO']);
    expect(checkRuleTable(rules, '# X\n', read)).toEqual([`README has no section "${SECTION}"`, 'R1.1 has no row', 'R1.2 has no row']);
  });

  it('fails when a row names a file or a test that does not exist, a test that does not name its rule, or a rule RULES.md lacks', () => {
    expect(checkRuleTable(rules, table(r11, '| R1.2 | `tests/api/b.test.ts` › R1.2 a signed action |'), read)).toEqual(['line 10: R1.2: no file tests/api/b.test.ts']);
    expect(checkRuleTable(rules, table(r11, '| R1.2 | `tests/api/a.test.ts` › R1.2 a signed actio |'), read)).toEqual([
      'line 10: R1.2: tests/api/a.test.ts has no test or describe named: R1.2 a signed actio',
    ]);
    expect(checkRuleTable(rules, table(r11, '| R1.2 | `tests/api/a.test.ts` › R1.1 login |'), read)).toEqual([
      'line 10: R1.2: the test name does not name the rule: R1.1 login',
    ]);
    expect(checkRuleTable(rules, table(r11, r12, '| R1.12 | `tests/api/a.test.ts` › R1.2 a signed action |'), read)).toEqual([
      'line 11: R1.12 is not a rule of RULES.md',
      'line 11: R1.12: the test name does not name the rule: R1.2 a signed action',
    ]);
    expect(checkRuleTable(rules, table(r11, '| R1.2 | tests/api/a.test.ts: R1.2 a signed action |'), read)).toEqual([
      'line 10: R1.2 names a test not as `tests/…/file.test.ts` › test name: tests/api/a.test.ts: R1.2 a signed action',
      'line 10: R1.2 names no test',
    ]);
  });
});
