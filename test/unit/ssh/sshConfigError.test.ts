import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblems, SshConfigError } from '../../../src/ssh/sshConfigError';

describe('SshConfigError', () => {
  test('names itself, so logs and String(error) read "SshConfigError: …"', () => {
    const error = new SshConfigError('IO', 'cannot write');
    assert.equal(error.name, 'SshConfigError');
    assert.equal(String(error), 'SshConfigError: cannot write');
  });

  test('without details it has no problems and no unknown options', () => {
    const error = new SshConfigError('LOCKED', 'busy');
    assert.deepEqual(error.problems, []);
    assert.deepEqual(error.unknownOptions, []);
  });

  test('keeps the problems and unknown options it was given', () => {
    const problems = [{ file: '/home/u/.ssh/config', line: 3, message: 'Bad configuration option: foo' }];
    const error = new SshConfigError('CONFIG_INVALID', 'bad', { problems, unknownOptions: ['Foo'] });
    assert.deepEqual(error.problems, problems);
    assert.deepEqual(error.unknownOptions, ['Foo']);
  });
});

describe('formatProblems', () => {
  test('file and line go before the message; several problems are joined with "; "', () => {
    assert.equal(
      formatProblems([
        { file: '/etc/ssh/ssh_config', line: 12, message: 'garbage at end of line' },
        { file: 'inc.conf', message: 'unsupported option' },
      ]),
      '/etc/ssh/ssh_config line 12: garbage at end of line; inc.conf: unsupported option',
    );
  });

  test('a line number without a file still gets its prefix', () => {
    assert.equal(formatProblems([{ line: 7, message: 'keyword needs an argument' }]), 'line 7: keyword needs an argument');
  });

  test('a problem with neither file nor line is the bare message', () => {
    assert.equal(formatProblems([{ message: 'terminating, 1 bad configuration options' }]), 'terminating, 1 bad configuration options');
  });
});
