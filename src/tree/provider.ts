import * as vscode from 'vscode';
import type { Instance, KeyPair } from '../cloud/client';
import { CredentialsError } from '../cloud/credentials';
import { toCloudError } from '../cloud/errors';
import { supportsKeyPairs } from '../cloud/regionList';
import { localPrivateKey, shownRegions, sshPlaces } from '../commands/targets';
import type { Services } from '../services';
import { sha256Fingerprint, md5Fingerprint } from '../ssh/keyFile';
import { ACTION_SIGN_IN, describeCloudError, describeCredentialSource, describeCredentialsError } from '../ui/errorMessages';
import { GroupNode, KeyPairNode, MessageNode, RegionNode, ServerNode, SwasNode } from './nodes';

export interface RegionData {
  keyPairs: KeyPair[];
  instances: Instance[];
  /** Key pair name → its private key file on this machine. */
  localKeys: Map<string, string>;
}

type RegionState =
  | { status: 'loading'; done: Promise<void> }
  | { status: 'loaded'; data: RegionData; done: Promise<void> }
  | { status: 'error'; error: unknown; done: Promise<void> };

export const VIEW_ID = 'swas.keyPairsAndServers';
/** `when` key for the welcome view: set while no credentials can be found. */
const NO_CREDENTIALS_CONTEXT = 'swas.noCredentials';

/**
 * Regions, each with its key pairs and servers. Every region loads on its own (both lists at
 * once); the region shows a loading node until its data is in, so a slow or failing region never
 * holds the others back.
 */
export class SwasTreeProvider implements vscode.TreeDataProvider<SwasNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SwasNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly states = new Map<string, RegionState>();
  private regionNodes = new Map<string, RegionNode>();
  private readonly subscriptions: vscode.Disposable[];
  private view: vscode.TreeView<SwasNode> | undefined;
  /** The credential source in use, shown beside the view's title ("aliyun CLI profile work"). */
  sourceDescription: string | undefined;

  constructor(private readonly services: Services) {
    this.subscriptions = [
      this.changed,
      services.onDidChange(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (['swas.regions', 'swas.defaultRegion', 'swas.endpoint', 'swas.sshKeyDirectory', 'remote.SSH.configFile'].some((s) => event.affectsConfiguration(s))) {
          this.refresh();
        }
      }),
    ];
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }

  /** Forgets every region's data and reloads what is shown. */
  refresh(): void {
    this.states.clear();
    this.changed.fire(undefined);
  }

  refreshRegion(regionId: string): void {
    this.states.delete(regionId);
    const node = this.regionNodes.get(regionId);
    this.changed.fire(node);
  }

  /** Settles when the region's current load has finished (for tests and commands). */
  async settled(regionId: string): Promise<void> {
    await this.load(regionId).done;
  }

  /** The region's lists, loading them if needed; undefined when loading failed. */
  async regionData(regionId: string): Promise<RegionData | undefined> {
    await this.settled(regionId);
    const state = this.states.get(regionId);
    return state?.status === 'loaded' ? state.data : undefined;
  }

  private load(regionId: string): RegionState {
    const existing = this.states.get(regionId);
    if (existing) {
      return existing;
    }
    const done = this.fetch(regionId).then(
      (data) => {
        if (this.states.get(regionId) === state) {
          this.states.set(regionId, { status: 'loaded', data, done });
        }
      },
      (error: unknown) => {
        if (this.states.get(regionId) === state) {
          this.services.log.warn(`Sidebar: ${regionId} could not be loaded (${error instanceof CredentialsError ? 'credentials' : toCloudError(error, 'load').kind}).`);
          this.states.set(regionId, { status: 'error', error, done });
        }
      },
    ).then(() => this.changed.fire(this.regionNodes.get(regionId)));
    const state: RegionState = { status: 'loading', done };
    this.states.set(regionId, state);
    return state;
  }

  private async fetch(regionId: string): Promise<RegionData> {
    const client = this.services.client(await this.services.credentials());
    const [keyPairs, instances, places] = await Promise.all([client.listKeyPairs(regionId), client.listInstances(regionId), sshPlaces()]);
    const localKeys = new Map<string, string>();
    await Promise.all(
      keyPairs.map(async (k) => {
        const found = await localPrivateKey(places, regionId, k);
        if (found) {
          localKeys.set(k.keyPairName, found);
        }
      }),
    );
    return { keyPairs, instances, localKeys };
  }

  async getChildren(element?: SwasNode): Promise<SwasNode[]> {
    if (!element) {
      return this.roots();
    }
    if (element instanceof RegionNode) {
      const state = this.load(element.regionId);
      if (state.status === 'loading') {
        return [new MessageNode(vscode.l10n.t('Loading…'), 'loading', undefined, element.regionId)];
      }
      if (state.status === 'error') {
        return this.errorNodes(element.regionId, state.error);
      }
      return [new GroupNode(element.regionId, 'keyPairs'), new GroupNode(element.regionId, 'servers')];
    }
    if (element instanceof GroupNode) {
      const state = this.states.get(element.regionId);
      if (state?.status !== 'loaded') {
        return [];
      }
      return element.group === 'keyPairs' ? this.keyPairNodes(element.regionId, state.data) : this.serverNodes(element.regionId, state.data);
    }
    return [];
  }

  showIn(view: vscode.TreeView<SwasNode>): void {
    this.view = view;
  }

  private setSourceDescription(text: string | undefined): void {
    this.sourceDescription = text;
    if (this.view) {
      this.view.description = text;
    }
  }

  private async roots(): Promise<SwasNode[]> {
    let hasCredentials = true;
    try {
      this.setSourceDescription(describeCredentialSource((await this.services.credentials()).source));
    } catch (error) {
      this.setSourceDescription(undefined);
      if (!(error instanceof CredentialsError) || error.reason === 'none') {
        hasCredentials = false;
      } else {
        const message = describeCredentialsError(error);
        await vscode.commands.executeCommand('setContext', NO_CREDENTIALS_CONTEXT, false);
        return [new MessageNode(message.text, 'error'), new MessageNode(ACTION_SIGN_IN(), 'action', { command: 'swas.signIn' })];
      }
    }
    await vscode.commands.executeCommand('setContext', NO_CREDENTIALS_CONTEXT, !hasCredentials);
    if (!hasCredentials) {
      // An empty tree shows the welcome view with its Sign In button.
      return [];
    }
    const regions = await shownRegions(this.services);
    this.regionNodes = new Map(regions.map((r) => [r, this.regionNodes.get(r) ?? new RegionNode(r)]));
    if (regions.length === 0) {
      return [new MessageNode(vscode.l10n.t('Add Region…'), 'action', { command: 'swas.addRegion' })];
    }
    // Start every region now, not when its node is expanded, so they load side by side.
    regions.forEach((r) => this.load(r));
    return [...this.regionNodes.values()];
  }

  private errorNodes(regionId: string, error: unknown): SwasNode[] {
    const message = error instanceof CredentialsError ? describeCredentialsError(error) : describeCloudError(toCloudError(error, 'load'), regionId);
    const nodes: SwasNode[] = [
      new MessageNode(message.text, 'error', undefined, regionId),
      new MessageNode(vscode.l10n.t('Retry'), 'action', { command: 'swas.refreshRegion', arguments: [this.regionNodes.get(regionId) ?? new RegionNode(regionId)] }, regionId),
    ];
    if (message.actions.includes(ACTION_SIGN_IN())) {
      nodes.push(new MessageNode(ACTION_SIGN_IN(), 'action', { command: 'swas.signIn' }, regionId));
    }
    return nodes;
  }

  private keyPairNodes(regionId: string, data: RegionData): SwasNode[] {
    if (data.keyPairs.length === 0) {
      return [
        new MessageNode(vscode.l10n.t('No key pairs in {0}.', regionId), 'info', undefined, regionId),
        new MessageNode(vscode.l10n.t('Create Key Pair'), 'action', { command: 'swas.createKeyPair', arguments: [{ regionId }] }, regionId),
      ];
    }
    return [...data.keyPairs]
      .sort((a, b) => a.keyPairName.localeCompare(b.keyPairName))
      .map((k) => new KeyPairNode(regionId, k, data.instances.filter((i) => k.instanceIds.includes(i.instanceId)), data.localKeys.get(k.keyPairName)));
  }

  private serverNodes(regionId: string, data: RegionData): SwasNode[] {
    if (data.instances.length === 0) {
      return [new MessageNode(vscode.l10n.t('No servers in {0}.', regionId), 'info', undefined, regionId)];
    }
    return data.instances.map((i) => new ServerNode(regionId, i, data.keyPairs.find((k) => k.instanceIds.includes(i.instanceId))?.keyPairName));
  }

  getTreeItem(element: SwasNode): vscode.TreeItem {
    switch (element.kind) {
      case 'region': {
        const item = new vscode.TreeItem(element.regionId, vscode.TreeItemCollapsibleState.Expanded);
        const localName = this.services.regionCache.fresh(vscode.env.language)?.find((r) => r.regionId === element.regionId)?.localName;
        item.description = localName;
        item.id = `region:${element.regionId}`;
        item.iconPath = new vscode.ThemeIcon('globe');
        item.contextValue = 'swas.region';
        return item;
      }
      case 'group': {
        const label = element.group === 'keyPairs' ? vscode.l10n.t('Key Pairs') : vscode.l10n.t('Servers');
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `${element.group}:${element.regionId}`;
        const state = this.states.get(element.regionId);
        if (state?.status === 'loaded') {
          item.description = String(element.group === 'keyPairs' ? state.data.keyPairs.length : state.data.instances.length);
        }
        item.iconPath = new vscode.ThemeIcon(element.group === 'keyPairs' ? 'key' : 'server');
        item.contextValue = `swas.group.${element.group}`;
        return item;
      }
      case 'keyPair':
        return keyPairItem(element);
      case 'server':
        return serverItem(element);
      case 'message': {
        const item = new vscode.TreeItem(element.text, vscode.TreeItemCollapsibleState.None);
        item.tooltip = element.text;
        item.iconPath = new vscode.ThemeIcon(
          element.icon === 'loading' ? 'loading~spin' : element.icon === 'error' ? 'error' : element.icon === 'action' ? 'play' : 'info',
        );
        if (element.command) {
          item.command = { title: element.text, ...element.command };
        }
        item.contextValue = 'swas.message';
        return item;
      }
    }
  }

  /** Servers not named in any key pair list (InstanceIds holds at most 50) are asked on hover. */
  async resolveTreeItem(item: vscode.TreeItem, element: SwasNode): Promise<vscode.TreeItem> {
    if (element instanceof ServerNode && !element.keyPairName && supportsKeyPairs(element.instance.osType)) {
      try {
        const client = this.services.client(await this.services.credentials());
        const described = await client.describeInstanceKeyPair(element.regionId, element.instance.instanceId);
        item.tooltip = serverTooltip(element, described.keyPairName ?? vscode.l10n.t('none'));
      } catch (error) {
        this.services.log.warn(`DescribeInstanceKeyPair ${element.instance.instanceId}: ${toCloudError(error, 'DescribeInstanceKeyPair').kind}`);
      }
    }
    return item;
  }
}

export function keyPairDescription(node: KeyPairNode): string {
  const count = node.keyPair.instanceIds.length;
  const used =
    count === 0
      ? vscode.l10n.t('not attached')
      : count === 1
        ? vscode.l10n.t('1 server')
        : // ListKeyPairs lists at most 50 servers per key pair.
          vscode.l10n.t('{0} servers', count >= 50 ? '50+' : String(count));
  const local = node.localKeyPath ? vscode.l10n.t('private key on this machine') : vscode.l10n.t('private key not on this machine');
  return `${used} · ${local}`;
}

function fingerprints(publicKey: string | undefined): string {
  if (!publicKey) {
    return vscode.l10n.t('unknown');
  }
  try {
    return `${sha256Fingerprint(publicKey)} (MD5 ${md5Fingerprint(publicKey)})`;
  } catch {
    return vscode.l10n.t('unknown');
  }
}

function keyPairItem(node: KeyPairNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.keyPair.keyPairName, vscode.TreeItemCollapsibleState.None);
  item.id = `keyPair:${node.regionId}:${node.keyPair.keyPairName}`;
  item.description = keyPairDescription(node);
  item.tooltip = [
    vscode.l10n.t('Created: {0}', node.keyPair.creationTime ?? vscode.l10n.t('unknown')),
    vscode.l10n.t('Fingerprint: {0}', fingerprints(node.keyPair.publicKey)),
    vscode.l10n.t('Local key: {0}', node.localKeyPath ?? vscode.l10n.t('not on this machine')),
    vscode.l10n.t('Servers: {0}', node.servers.map((s) => s.instanceName).join(', ') || vscode.l10n.t('none')),
  ].join('\n');
  item.iconPath = new vscode.ThemeIcon(node.localKeyPath ? 'key' : 'lock');
  item.contextValue = node.localKeyPath ? 'swas.keyPair.local' : 'swas.keyPair';
  return item;
}

function serverTooltip(node: ServerNode, keyPair: string): string {
  const lines = [
    vscode.l10n.t('ID: {0}', node.instance.instanceId),
    vscode.l10n.t('Image: {0}', node.instance.imageName ?? vscode.l10n.t('unknown')),
    vscode.l10n.t('OS: {0}', node.instance.osType ?? vscode.l10n.t('unknown')),
  ];
  lines.push(supportsKeyPairs(node.instance.osType) ? vscode.l10n.t('Key pair: {0}', keyPair) : vscode.l10n.t('Key pairs are not supported on Windows servers.'));
  return lines.join('\n');
}

function serverItem(node: ServerNode): vscode.TreeItem {
  const { instance } = node;
  const item = new vscode.TreeItem(instance.instanceName, vscode.TreeItemCollapsibleState.None);
  item.id = `server:${node.regionId}:${instance.instanceId}`;
  const linux = supportsKeyPairs(instance.osType);
  item.description = [instance.publicIpAddress ?? vscode.l10n.t('no public IP'), instance.status, ...(linux ? [] : [vscode.l10n.t('no key pairs (Windows)')])].join(' · ');
  item.tooltip = serverTooltip(node, node.keyPairName ?? vscode.l10n.t('none'));
  item.iconPath = new vscode.ThemeIcon(linux ? 'vm' : 'vm-outline');
  item.contextValue = linux ? 'swas.server.linux' : 'swas.server.windows';
  return item;
}
