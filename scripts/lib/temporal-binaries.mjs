// The Temporal server, its schema tool and the Web UI server, built once from the Go module proxy
// into a cache outside the clone (so a fresh clone on the same machine reuses them), keyed by their
// versions and the Go toolchain that built them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive } from './processes.mjs';

/** Pinned versions. The server's go.mod needs Go ≥ 1.26.10: the go command fetches this toolchain. */
export const temporalServerPin = { module: 'go.temporal.io/server', version: '1.32.2' };
export const temporalUiPin = {
  module: 'github.com/temporalio/ui-server/v2',
  version: '2.58.1',
  // v2.58.1's go.mod names echo v4.16.1 and go.temporal.io/api v1.64.0, which the module proxy
  // answers with 403 "not available"; a wrapper module raises them to the next patch releases.
  raise: { 'github.com/labstack/echo/v4': 'v4.16.4', 'go.temporal.io/api': 'v1.64.3' },
};
export const goToolchain = 'go1.27.3';

export const cacheRoot = () => process.env.KQ_CACHE_DIR || path.join(os.homedir(), '.cache', 'kindergarten-queue');
const goCache = () => path.join(cacheRoot(), 'go', 'cache');
const goModCache = () => path.join(cacheRoot(), 'go', 'mod');
export const serverBinDir = () => path.join(cacheRoot(), 'bin', `temporal-server-${temporalServerPin.version}-${goToolchain}`);
export const uiBinDir = () => path.join(cacheRoot(), 'bin', `temporal-ui-${temporalUiPin.version}-${goToolchain}`);
/** The PostgreSQL schemas ship inside the server's module; `go install` leaves it in the module cache. */
export const schemaDir = () => path.join(goModCache(), `${temporalServerPin.module}@v${temporalServerPin.version}`, 'schema', 'postgresql', 'v12');

function goEnv() {
  return {
    ...process.env,
    GOTOOLCHAIN: goToolchain,
    GOCACHE: goCache(),
    GOMODCACHE: goModCache(),
    GOFLAGS: '-mod=mod',
  };
}

/** Runs `go …`, its output streamed line by line with a prefix; rejects on a non-zero exit. */
function runGo(args, { env, log }) {
  return new Promise((resolve, reject) => {
    const child = spawn('go', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (stream) => {
      let rest = '';
      stream.on('data', (buf) => {
        const lines = (rest + buf).split('\n');
        rest = lines.pop();
        for (const line of lines) if (line) log(`[go] ${line}`);
      });
      stream.on('end', () => rest && log(`[go] ${rest}`));
    };
    relay(child.stdout);
    relay(child.stderr);
    child.on('error', (err) =>
      reject(new Error(err.code === 'ENOENT' ? 'no `go` command on PATH: install Go ≥ 1.21 (it fetches the pinned toolchain itself)' : err.message)),
    );
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`go ${args.join(' ')} failed (${code ?? signal})`))));
  });
}

/** A lock file so that two runs (say CI and a developer’s terminal) never build at once. */
async function withLock(file, log, fn) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(file, 'utf8')) || 0;
      if (!holder || !alive(holder)) {
        fs.rmSync(file, { force: true }); // left by a killed build
        continue;
      }
      if (!told) log(`another build (pid ${holder}) holds ${file}; waiting for it`);
      told = true;
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * `go install`s `packages` into `binDir` unless every binary is there. It installs into a scratch
 * folder and renames it into place, so a killed build never leaves a half-written binary behind.
 */
async function buildInto(binDir, packages, binaries, log, build = installAll) {
  const have = () => binaries.every((b) => fs.existsSync(path.join(binDir, b)));
  if (have()) return;
  await withLock(`${binDir}.lock`, log, async () => {
    if (have()) return; // built by the run we waited for
    const scratch = `${binDir}.partial`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch, { recursive: true });
    const started = Date.now();
    log(`building ${packages.join(' and ')} with ${goToolchain} into ${binDir} (once: the server takes 7–13 min on 2 cores, the UI under a minute)`);
    await build(packages, scratch, log);
    fs.rmSync(binDir, { recursive: true, force: true });
    fs.renameSync(scratch, binDir);
    log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
  });
}

async function installAll(packages, outDir, log) {
  const env = { ...goEnv(), GOBIN: outDir };
  for (const pkg of packages) await runGo(['install', pkg], { env, log });
}

/** Builds the UI server inside a wrapper module whose go.mod raises the unavailable dependencies. */
async function buildUi([pkg], outDir, log) {
  const wrapper = path.join(outDir, 'module');
  fs.mkdirSync(wrapper, { recursive: true });
  const requires = { [temporalUiPin.module]: `v${temporalUiPin.version}`, ...temporalUiPin.raise };
  fs.writeFileSync(
    path.join(wrapper, 'go.mod'),
    `module kindergarten-queue/temporal-ui\n\ngo 1.26\n\nrequire (\n${Object.entries(requires).map(([m, v]) => `\t${m} ${v}\n`).join('')})\n`,
  );
  fs.writeFileSync(path.join(wrapper, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport _ "${pkg}"\n`);
  await runGo(['-C', wrapper, 'build', '-o', path.join(outDir, 'server'), pkg], { env: goEnv(), log });
  fs.rmSync(wrapper, { recursive: true, force: true });
}

/** Makes sure the server's module (and with it the SQL schemas) is in the module cache. */
async function ensureSchemas(log) {
  if (fs.existsSync(path.join(schemaDir(), 'temporal', 'versioned'))) return;
  await runGo(['mod', 'download', `${temporalServerPin.module}@v${temporalServerPin.version}`], { env: goEnv(), log });
}

/**
 * Builds or reuses the binaries; resolves their paths. The UI is optional: if it cannot be built
 * the cluster runs without it (`ui: null`) and says so.
 */
export async function ensureTemporalBinaries({ log = console.log } = {}) {
  const v = `@v${temporalServerPin.version}`;
  await buildInto(serverBinDir(), [`${temporalServerPin.module}/cmd/server${v}`, `${temporalServerPin.module}/cmd/tools/sql${v}`], ['server', 'sql'], log);
  await ensureSchemas(log);
  let ui = null;
  try {
    await buildInto(uiBinDir(), [`${temporalUiPin.module}/cmd/server`], ['server'], log, buildUi);
    ui = path.join(uiBinDir(), 'server');
  } catch (err) {
    log(`no Temporal Web UI: ${err.message}`);
  }
  return { server: path.join(serverBinDir(), 'server'), sql: path.join(serverBinDir(), 'sql'), ui, schemaDir: schemaDir() };
}
