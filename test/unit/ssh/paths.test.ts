import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandHome, identityFileForConfig } from '../../../src/ssh/paths';
import { sshConfigValue } from '../../../src/ssh/sshConfigText';

describe('expandHome', () => {
  test('expands ~ and ~/…', () => {
    assert.equal(expandHome('~', '/home/alice'), '/home/alice');
    assert.equal(expandHome('~/.ssh/keys', '/home/alice'), path.join('/home/alice', '.ssh/keys'));
  });

  test('expands ~\\…, the Windows way of writing ~/…', () => {
    assert.equal(expandHome('~\\id_ed25519', '/home/alice'), path.join('/home/alice', 'id_ed25519'));
  });

  test('leaves ~user, absolute and relative paths alone', () => {
    assert.equal(expandHome('~bob/.ssh', '/home/alice'), '~bob/.ssh');
    assert.equal(expandHome('/etc/ssh', '/home/alice'), '/etc/ssh');
    assert.equal(expandHome('keys/~', '/home/alice'), 'keys/~');
  });

  test('defaults to the current home folder', () => {
    assert.equal(expandHome('~'), os.homedir());
  });
});

describe('identityFileForConfig', () => {
  test('POSIX: under home becomes ~/…', () => {
    assert.equal(identityFileForConfig('/home/alice/.ssh/k.pem', '/home/alice', 'linux'), '~/.ssh/k.pem');
    assert.equal(identityFileForConfig('/Users/alice/.ssh/k.pem', '/Users/alice/', 'darwin'), '~/.ssh/k.pem');
  });

  test('POSIX: outside home stays absolute, a sibling with a common prefix is not under home', () => {
    assert.equal(identityFileForConfig('/opt/keys/k.pem', '/home/alice', 'linux'), '/opt/keys/k.pem');
    assert.equal(identityFileForConfig('/home/alice2/k.pem', '/home/alice', 'linux'), '/home/alice2/k.pem');
    assert.equal(identityFileForConfig('/home/alice', '/home/alice', 'linux'), '/home/alice');
  });

  test('POSIX: the path is returned as it is, for sshConfigValue to quote', () => {
    assert.equal(identityFileForConfig('/home/alice/my keys/k.pem', '/home/alice', 'linux'), '~/my keys/k.pem');
    assert.equal(identityFileForConfig('/srv/100%/k.pem', '/home/alice', 'linux'), '/srv/100%/k.pem');
  });

  test('Windows: under home becomes ~/… with forward slashes, case-insensitively', () => {
    assert.equal(identityFileForConfig('C:\\Users\\alice\\.ssh\\k.pem', 'C:\\Users\\alice', 'win32'), '~/.ssh/k.pem');
    assert.equal(identityFileForConfig('c:\\users\\ALICE\\.ssh\\k.pem', 'C:\\Users\\alice', 'win32'), '~/.ssh/k.pem');
    assert.equal(identityFileForConfig('C:\\Users\\John Smith\\.ssh\\k.pem', 'C:\\Users\\John Smith', 'win32'), '~/.ssh/k.pem');
  });

  test('Windows: outside home is absolute with forward slashes', () => {
    assert.equal(identityFileForConfig('D:\\keys\\k.pem', 'C:\\Users\\alice', 'win32'), 'D:/keys/k.pem');
    assert.equal(identityFileForConfig('C:\\Users\\a b\\k.pem', 'C:\\Users\\alice', 'win32'), 'C:/Users/a b/k.pem');
  });

  test('POSIX: a backslash is a file name character, kept as it is (ssh -G reads the same path)', async () => {
    const keyPath = '/opt/back\\slash/k.pem';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paths-test-'));
    try {
      const config = path.join(dir, 'config');
      fs.writeFileSync(config, `Host t\n  HostName 127.0.0.1\n  IdentityFile ${sshConfigValue('IdentityFile', identityFileForConfig(keyPath, '/home/alice', 'linux'))}\n`);
      const output = await new Promise<string>((resolve, reject) => {
        execFile('ssh', ['-G', '-F', config, 't'], (error, stdout) => (error ? reject(error) : resolve(stdout)));
      });
      assert.deepEqual(output.split('\n').filter((line) => line.startsWith('identityfile ')), [`identityfile ${keyPath}`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('real OpenSSH loads the identity files from the original paths', async () => {
    const home = os.userInfo().homedir;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paths-test-'));
    // ssh loads identity files once connected; a server that hangs up at once is enough.
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const keyPaths = [path.join(home, '.ssh', 'swas keys', 'k 1.pem'), '/srv/50%/odd dir/k.pem', "/srv/it's #1/k.pem", '/opt/k.pem'];
      const config = path.join(dir, 'config');
      const identityLines = keyPaths.map((p) => `  IdentityFile ${sshConfigValue('IdentityFile', identityFileForConfig(p, home, 'linux'))}`);
      fs.writeFileSync(config, ['Host t', '  HostName 127.0.0.1', ...identityLines, ''].join('\n'));
      const port = String((server.address() as net.AddressInfo).port);
      const debugOutput = await new Promise<string>((resolve) => {
        execFile('ssh', ['-v', '-F', config, '-o', 'BatchMode=yes', '-p', port, 't'], (_error, _stdout, stderr) =>
          resolve(stderr),
        );
      });
      const loaded = [...debugOutput.matchAll(/^debug1: identity file (.*) type -?\d+$/gm)]
        .map((m) => m[1])
        .filter((p) => !p.endsWith('-cert'));
      assert.deepEqual(loaded, keyPaths);
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
