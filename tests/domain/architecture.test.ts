import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

/** Every TypeScript file of a folder, with its import lines. */
function imports(folder: string): { file: string; line: string }[] {
  const out: { file: string; line: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        for (const line of fs.readFileSync(full, 'utf8').split('\n')) {
          if (/^\s*(import|export)\b.*\bfrom\s+['"]/.test(line)) out.push({ file: path.relative(root, full), line: line.trim() });
        }
      }
    }
  };
  walk(path.join(root, folder));
  return out;
}

const from = (spec: RegExp) => (i: { line: string }) => spec.test(i.line);

describe('the folders keep to their seams (DESIGN.md, issue 11)', () => {
  it('activities never import workflows, and workflows never import activities', () => {
    expect(imports('activities').filter(from(/from ['"](\.\.\/)+workflows/))).toEqual([]);
    expect(imports('workflows').filter(from(/from ['"](\.\.\/)+activities/))).toEqual([]);
  });

  it('contracts import only Temporal’s definers, domain/ and each other', () => {
    expect(imports('contracts').filter((i) => !/from ['"](@temporalio\/(workflow|common)|\.\.\/domain\/[\w-]+|\.\/[\w-]+)['"]/.test(i.line))).toEqual([]);
  });

  it('the API imports workflow code only as types, and nothing of the worker', () => {
    const api = imports('api');
    expect(api.filter((i) => /from ['"](\.\.\/)+workflows/.test(i.line) && !/^import type\b/.test(i.line))).toEqual([]);
    expect(api.filter(from(/from ['"](\.\.\/)+worker/))).toEqual([]);
  });

  it('the data layer holds no presentation: db/ never imports templates/ or the API', () => {
    expect(imports('db').filter(from(/from ['"](\.\.\/)+(templates|api)\//))).toEqual([]);
  });

  it('production code builds no IINs: makeIin lives with the seed and test factories', () => {
    const production = ['api', 'activities', 'contracts', 'domain', 'workflows', 'worker', 'schedules'].flatMap(imports);
    expect(production.filter((i) => /\bmakeIin\b/.test(i.line))).toEqual([]);
    expect(fs.readFileSync(path.join(root, 'domain', 'iin.ts'), 'utf8')).not.toMatch(/\bmakeIin\b/);
  });
});
