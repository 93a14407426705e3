import type { SwasTreeProvider } from '../../src/tree/provider';
import { GroupNode, KeyPairNode, MessageNode, RegionNode, ServerNode, SwasNode } from '../../src/tree/nodes';

/** Walks the sidebar through its provider, as VS Code would, waiting for each region to load. */
export async function regionChildren(tree: SwasTreeProvider, regionId: string): Promise<SwasNode[]> {
  const roots = await tree.getChildren();
  const region = roots.find((n): n is RegionNode => n.kind === 'region' && n.regionId === regionId);
  if (!region) throw new Error(`No region node ${regionId}: ${roots.map((n) => n.kind).join(', ')}`);
  await tree.settled(regionId);
  return tree.getChildren(region);
}

export async function groupChildren(tree: SwasTreeProvider, regionId: string, group: 'keyPairs' | 'servers'): Promise<SwasNode[]> {
  const groupNode = (await regionChildren(tree, regionId)).find((n): n is GroupNode => n.kind === 'group' && n.group === group);
  if (!groupNode) throw new Error(`No ${group} group in ${regionId}`);
  // Expanding the Servers group starts its load: ask, wait, ask again, as VS Code does after the change event.
  await tree.getChildren(groupNode);
  await tree.settled(regionId);
  return tree.getChildren(groupNode);
}

export async function keyPairNode(tree: SwasTreeProvider, regionId: string, name: string): Promise<KeyPairNode> {
  const node = (await groupChildren(tree, regionId, 'keyPairs')).find((n): n is KeyPairNode => n.kind === 'keyPair' && n.keyPair.keyPairName === name);
  if (!node) throw new Error(`No key pair node ${name} in ${regionId}`);
  return node;
}

export async function serverNode(tree: SwasTreeProvider, regionId: string, name: string): Promise<ServerNode> {
  const node = (await groupChildren(tree, regionId, 'servers')).find((n): n is ServerNode => n.kind === 'server' && n.instance.instanceName === name);
  if (!node) throw new Error(`No server node ${name} in ${regionId}`);
  return node;
}

export function messages(nodes: SwasNode[]): string[] {
  return nodes.filter((n): n is MessageNode => n.kind === 'message').map((n) => n.text);
}
