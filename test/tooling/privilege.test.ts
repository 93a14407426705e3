import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { privilegeOf } from '../support/privilege';

describe('privilegeOf (which privileged test steps run directly, in a user namespace, or as the user)', () => {
  test('uid 0 with the identity map is real root; with any other map a user namespace', () => {
    assert.equal(privilegeOf(0, '         0          0 4294967295\n'), 'root');
    assert.equal(privilegeOf(0, '         0       1001          1\n'), 'userNamespace');
  });

  test('any other uid is a normal user; no uid_map (not Linux) with uid 0 is root', () => {
    assert.equal(privilegeOf(1001, '         0          0 4294967295\n'), 'user');
    assert.equal(privilegeOf(0, undefined), 'root');
  });
});
