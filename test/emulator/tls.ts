import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A server certificate for `names`, signed (openssl) by the throwaway CA that
 * test/host/private-network.sh made for this run and that the extension host trusts through
 * NODE_EXTRA_CA_CERTS. Throws outside that namespace: there is no CA to sign with.
 */
export async function serverCertificate(names: readonly string[]): Promise<{ key: string; cert: string; ca: string }> {
  const caDir = process.env.SWAS_TEST_CA_DIR;
  if (!caDir) {
    throw new Error('SWAS_TEST_CA_DIR is not set: run inside test/host/private-network.sh (the integration host does)');
  }
  const work = await mkdtemp(join(tmpdir(), 'swas-cert-'));
  try {
    const ext = join(work, 'ext.cnf');
    await writeFile(ext, `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${names[0]}`, '-keyout', join(work, 'key.pem'), '-out', join(work, 'csr.pem')]);
    await run('openssl', ['x509', '-req', '-in', join(work, 'csr.pem'), '-CA', join(caDir, 'ca.pem'), '-CAkey', join(caDir, 'ca.key'),
      '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', join(work, 'cert.pem')]);
    return {
      key: await readFile(join(work, 'key.pem'), 'utf8'),
      cert: await readFile(join(work, 'cert.pem'), 'utf8'),
      ca: await readFile(join(caDir, 'ca.pem'), 'utf8'),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
