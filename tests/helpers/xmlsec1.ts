import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KeyPurpose } from '../../domain/identity';
import type { SignatureVerifier, VerifiedDocument } from '../../api/signature/verifier';

/** Runs xmlsec1, the independent XMLDSig implementation the tests take as referee (never at run time). */
export function xmlsec1(args: string[]) {
  const res = spawnSync('xmlsec1', args, { encoding: 'utf8' });
  if (res.error) throw new Error(`xmlsec1 is needed for this test (Debian package xmlsec1; npm run bootstrap installs it as root): ${res.error.message}`);
  return res;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-xmlsec1-'));
let written = 0;

const execFileAsync = promisify(execFile);

/**
 * `xmlsec1 --verify` of a signed document against the trust folder's root and intermediate; it does
 * not block the event loop, where the API under test runs.
 */
export async function xmlsec1Verify(xml: string, trustDir: string): Promise<{ ok: boolean; output: string }> {
  const file = path.join(scratch, `doc-${process.pid}-${++written}.xml`);
  await fs.promises.writeFile(file, xml);
  const args = ['--verify', '--trusted-pem', path.join(trustDir, 'root.pem'), '--untrusted-pem', path.join(trustDir, 'intermediate.pem'), file];
  try {
    const { stdout, stderr } = await execFileAsync('xmlsec1', args);
    return { ok: true, output: `${stdout}${stderr}`.trim() };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? e.message}`.trim() };
  } finally {
    await fs.promises.rm(file, { force: true });
  }
}

/**
 * The API's verifier with xmlsec1 as referee (SECURITY.md): every document the API accepts must
 * also pass `xmlsec1 --verify`, else the request fails loudly (a 500 the test sees).
 */
export class RefereedVerifier implements SignatureVerifier {
  /** How many accepted documents xmlsec1 has checked: a test shows the referee ran. */
  refereed = 0;

  constructor(
    private readonly inner: SignatureVerifier,
    private readonly trustDir: string,
  ) {}

  async verify(xml: string, purpose: KeyPurpose): Promise<VerifiedDocument> {
    const doc = await this.inner.verify(xml, purpose);
    const referee = await xmlsec1Verify(xml, this.trustDir);
    if (!referee.ok) throw new Error(`the API accepted a document that xmlsec1 --verify refuses: ${referee.output}`);
    this.refereed++;
    return doc;
  }
}
