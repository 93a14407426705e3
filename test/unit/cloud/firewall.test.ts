import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowsTcpPort } from '../../../src/cloud/firewall';

// What "Test SSH connection" concludes from a server's firewall rules (the common cases are in
// restartWait.test.ts): a port text is one port or `<start>/<end>`, nothing else.
describe('allowsTcpPort', () => {
  test('a range written with spaces around its parts still allows the ports in it', () => {
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP', port: ' 20 / 30 ' }], 22), true);
  });
  test('a port text that is not one port or a range allows nothing, even when it holds the port', () => {
    for (const port of ['80,22', '22,80', '20/30x', 'ssh']) {
      assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP', port }], 22), false, port);
    }
  });
  test('a rule without a port or protocol allows nothing, and the other rules are still read', () => {
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP' }, { port: '22' }, { ruleProtocol: 'TCP', port: '22' }], 22), true);
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP' }, { port: '22' }], 22), false);
  });
  test('a range that ends below the port does not allow it', () => {
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP', port: '1/21' }], 22), false);
    assert.equal(allowsTcpPort([{ ruleProtocol: 'TCP', port: '1/22' }], 22), true);
  });
});
