import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GroupNode, KeyPairNode, MessageNode, RegionNode, ServerNode, SwasNode } from '../../../src/tree/nodes';

// The sidebar's provider switches on `kind` to build each tree item (src/tree/provider.ts getTreeItem);
// a node whose kind is wrong or shared with another falls into the wrong case or none.
describe('tree nodes', () => {
  test('each node carries its own kind, the one the provider switches on', () => {
    const keyPair = { keyPairName: 'k', fingerprint: 'f', instanceIds: [], creationTime: '' } as unknown as KeyPairNode['keyPair'];
    const instance = { instanceId: 'i-1' } as unknown as ServerNode['instance'];
    const nodes: SwasNode[] = [
      new RegionNode('cn-hangzhou'),
      new GroupNode('cn-hangzhou', 'keyPairs'),
      new KeyPairNode('cn-hangzhou', keyPair, undefined),
      new ServerNode('cn-hangzhou', instance, 'k'),
      new MessageNode('Loading…', 'loading'),
    ];
    assert.deepEqual(nodes.map((node) => node.kind), ['region', 'group', 'keyPair', 'server', 'message']);
  });
});
