import { describe, test, before, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SshConfigError } from '../../../src/ssh/sshConfigError';
import { BLOCK } from '../../support/managedBlock';
import { openSshProblems, sshG, sshMissing, SshRunError, verifyBlock } from '../../../src/ssh/sshVerify';
import { ensureOpenSsh } from '../../support/openssh';


let dir: string;
before(ensureOpenSsh);
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'swas-verify-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function config(text: string): Promise<string> {
  const configPath = path.join(dir, 'config');
  await fs.writeFile(configPath, text);
  return configPath;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('sshG', () => {
  test('a refused config: SshRunError named so, with the command, the first five complaint lines joined by "; " and all of stderr', async () => {
    const bad = ['Bogus1 yes', 'Bogus2 yes', 'Bogus3 yes', 'Bogus4 yes', 'Bogus5 yes', 'Bogus6 yes'];
    const configPath = await config(`${bad.join('\n')}\n`);
    const error = await rejection(sshG('some-host', configPath));
    assert.ok(error instanceof SshRunError);
    assert.equal(error.name, 'SshRunError');
    // Text as OpenSSH's readconf.c prints it.
    const lines = bad.map((_, i) => `${configPath}: line ${i + 1}: Bad configuration option: bogus${i + 1}`);
    assert.equal(error.message, `ssh -G -F ${configPath} -- some-host failed: ${lines.slice(0, 5).join('; ')}`);
    // OpenSSH's log.c ends each line on stderr with CRLF.
    assert.equal(error.stderr, `${lines.join('\r\n')}\r\n${configPath}: terminating, 6 bad configuration options\r\n`);
  });

  test('a single complaint ends the message, with no separator after the line break that ends stderr', async () => {
    const configPath = await config('Bogus yes\n');
    const error = await rejection(sshG('some-host', configPath));
    assert.ok(error instanceof SshRunError);
    assert.equal(error.message, `ssh -G -F ${configPath} -- some-host failed: ${configPath}: line 1: Bad configuration option: bogus; `
      + `${configPath}: terminating, 1 bad configuration options`);
  });

  test('a `Match exec` that hangs is killed at timeoutMs and reported as an SshRunError with the cause', async () => {
    const configPath = await config('Match exec "sleep 20"\n  User x\n');
    const started = Date.now();
    const error = await rejection(sshG('some-host', configPath, { timeoutMs: 300 }));
    assert.ok(Date.now() - started < 3_000, 'the timeout given is the one used');
    assert.ok(error instanceof SshRunError);
    assert.match(error.message, new RegExp(`^ssh -G -F ${configPath} -- some-host failed: `));
    assert.equal(error.stderr, '');
    assert.equal((error.cause as { killed?: boolean }).killed, true);
  });

  test('without timeoutMs a hanging `Match exec` is still killed, after the default 5 s', async () => {
    const configPath = await config('Match exec "sleep 20"\n  User x\n');
    const started = Date.now();
    await assert.rejects(sshG('some-host', configPath), SshRunError);
    assert.ok(Date.now() - started < 15_000);
  });

  test('ssh not on PATH: sshMissing recognises the error, also wrapped in an SshConfigError', async () => {
    const error = await rejection(sshG('some-host', await config('Host x\n'), { env: { PATH: dir } }));
    assert.ok(error instanceof SshRunError);
    assert.equal(sshMissing(error), true);
    assert.equal(sshMissing(new SshConfigError('VERIFY_FAILED', 'wrapped', { cause: error })), true);
  });

  test('sshMissing is false for a config ssh ran and refused', async () => {
    const error = await rejection(sshG('some-host', await config('Bogus yes\n')));
    assert.equal(sshMissing(error), false);
  });
});

describe('openSshProblems', () => {
  test('each "<file> line <n>: <message>" becomes file, line and message; the "terminating" summary is dropped', async () => {
    const configPath = await config(`${'# comment\n'.repeat(11)}Bogus yes\n`);
    const error = await rejection(sshG('some-host', configPath));
    assert.deepEqual(openSshProblems(error), [{ file: configPath, line: 12, message: 'Bad configuration option: bogus' }]);
  });

  test('the "<file> line <n>:" form without a colon after the file is read too', async () => {
    const configPath = await config('User "abc\n');
    const error = await rejection(sshG('some-host', configPath));
    assert.deepEqual(openSshProblems(error), [{ file: configPath, line: 1, message: 'invalid quotes' }]);
  });

  test('a complaint without a line number is kept whole as the message', async () => {
    const missing = path.join(dir, 'missing');
    const error = await rejection(sshG('some-host', missing));
    assert.deepEqual(openSshProblems(error), [{ message: `Can't open user config file ${missing}: No such file or directory` }]);
  });

  test('an error that is not from ssh gives its message as the only problem', () => {
    assert.deepEqual(openSshProblems(new Error('spawn failed')), [{ message: 'spawn failed' }]);
  });
});

describe('verifyBlock', () => {
  test('every value that differs is named with the line of the user\'s file it comes from, one problem per value', async () => {
    const text = 'Host swas-my-key\n  HostName 10.0.0.9\n  User admin\n  IdentityFile ~/.ssh/other.pem\n';
    const configPath = await config(text);
    const asked: unknown[] = [];
    const error = await rejection(verifyBlock(configPath, text, BLOCK, (line) => {
      asked.push(line);
      return line + 100;
    }));
    assert.ok(error instanceof SshConfigError);
    assert.equal(error.code, 'VERIFY_FAILED');
    assert.equal(error.path, configPath);
    const expected = [
      'hostname 10.0.0.9 (from line 102) instead of 47.1.2.3',
      'user admin (from line 103) instead of root',
      'identityfile ~/.ssh/other.pem: ~/.ssh/my-key.pem must come first',
    ];
    assert.equal(error.message, `OpenSSH resolves swas-my-key to ${expected.join('; ')}.`);
    assert.deepEqual(error.problems, expected.map((message) => ({ message: `swas-my-key: ${message}` })));
    assert.deepEqual(asked, [2, 3], 'only lines that hold the directive are mapped');
  });

  test('without a line mapping, lines are the candidate file\'s own', async () => {
    const text = 'Host swas-my-key\n  HostName 47.1.2.3\n  User admin\n  IdentityFile ~/.ssh/my-key.pem\n';
    await assert.rejects(verifyBlock(await config(text), text, BLOCK),
      (error: unknown) => error instanceof SshConfigError && error.message === 'OpenSSH resolves swas-my-key to user admin (from line 3) instead of root.');
  });

  test('a value from an Include\'d file, or from a line the edit added, is said to come from elsewhere', async () => {
    const included = path.join(dir, 'defaults.conf');
    await fs.writeFile(included, 'User admin\n');
    const text = `Include ${included}\nHost swas-my-key\n  HostName 10.0.0.9\n  IdentityFile ~/.ssh/my-key.pem\n`;
    const asked: unknown[] = [];
    const addedByTheEdit = (line: number): undefined => {
      asked.push(line);
      return undefined;
    };
    await assert.rejects(verifyBlock(await config(text), text, BLOCK, addedByTheEdit), (error: unknown) => error instanceof SshConfigError
      && error.message === 'OpenSSH resolves swas-my-key to hostname 10.0.0.9 (from an Include\'d file or an earlier Host/Match section) instead of 47.1.2.3; '
      + 'user admin (from an Include\'d file or an earlier Host/Match section) instead of root.');
    assert.deepEqual(asked, [3], 'a value not found in the text has no line to map');
  });

  test('our key printed under the passwd home directory is still ours when $HOME points elsewhere', async (t) => {
    const passwdHome = os.userInfo().homedir;
    const text = `Host swas-my-key\n  HostName 47.1.2.3\n  User root\n  IdentityFile ${passwdHome}/.ssh/my-key.pem\n`;
    const configPath = await config(text);
    const saved = process.env.HOME;
    t.after(() => {
      process.env.HOME = saved;
    });
    process.env.HOME = dir;
    assert.notEqual(os.homedir(), passwdHome);
    await verifyBlock(configPath, text, BLOCK);
  });
});
