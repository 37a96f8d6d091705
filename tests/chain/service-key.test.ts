import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceCertificate, serviceCredentials } from '../../activities/service-key';
import { testPkiDir } from '../helpers/pki';

describe('R11.3 the service’s own signing key', () => {
  it('R11.3 production without SERVICE_SIGNING_KEY and SERVICE_SIGNING_CERT refuses (the worker does not start)', async () => {
    await expect(serviceCredentials({ NODE_ENV: 'production' })).rejects.toThrow(/SERVICE_SIGNING_KEY and SERVICE_SIGNING_CERT: production signs/);
    await expect(serviceCertificate({ NODE_ENV: 'production' })).rejects.toThrow(/production signs/);
    await expect(serviceCredentials({ NODE_ENV: 'production', SERVICE_SIGNING_KEY: '/nowhere/key.pem' })).rejects.toThrow(/set both/);
  });

  it('R11.3 takes the settings as PEM text or as paths; a path that cannot be read is named', async () => {
    const { keyPem, certPem } = await serviceCredentials({ NODE_ENV: 'test' }); // the test PKI's service certificate
    expect(fs.readFileSync(path.join(testPkiDir(), 'service', 'sign.cert.pem'), 'utf8')).toBe(certPem);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kq-service-key-'));
    fs.writeFileSync(path.join(dir, 'key.pem'), keyPem);
    expect(await serviceCredentials({ NODE_ENV: 'production', SERVICE_SIGNING_KEY: path.join(dir, 'key.pem'), SERVICE_SIGNING_CERT: certPem })).toEqual({ keyPem, certPem });
    await expect(serviceCredentials({ NODE_ENV: 'production', SERVICE_SIGNING_KEY: path.join(dir, 'missing.pem'), SERVICE_SIGNING_CERT: certPem })).rejects.toThrow(
      /SERVICE_SIGNING_KEY: cannot read .*missing\.pem/,
    );
  });
});
