import * as vscode from 'vscode';
import type { Instance, KeyPair } from '../cloud/client';
import { CredentialsError } from '../cloud/credentials';
import { toCloudError } from '../cloud/errors';
import { osFamily, supportsKeyPairs } from '../cloud/regionList';
import { localPrivateKey, readSshConfig, shownRegions, sshPaths } from '../local/machine';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { sha256Fingerprint, md5Fingerprint } from '../ssh/keyFormat';
import { ACTION_OPEN_SETTINGS, ACTION_SIGN_IN, describeCloudError, describeCredentialSource, describeCredentialsError } from '../ui/errorMessages';
import { SettingsError } from '../ui/settingsCheck';
import { GroupNode, KeyPairNode, MessageNode, RegionNode, ServerNode, SwasNode } from './nodes';

interface KeyPairData {
  keyPairs: KeyPair[];
  /** Key pair name → its private key file on this machine. */
  localKeys: Map<string, string>;
}

/**
 * `startedAt`: when the load was asked for (clock time), for the age of its answer. `superseded`: the region
 * changed (or Refresh was pressed) after the load had started, so its answer may predate the change.
 */
type LoadState<T> = { startedAt: number; superseded: boolean; done: Promise<void> } & (
  | { status: 'loading' }
  | { status: 'loaded'; data: T }
  | { status: 'error'; error: unknown }
);

/**
 * An answer this young is reused when the shown regions change, instead of asking again (ListKeyPairs
 * and ListInstances share the account's 10 calls a minute with every other tool, docs/swas-api.md "Rate limits").
 */
export const FRESH_ANSWER_MS = 30_000;

export const VIEW_ID = 'swas.keyPairsAndServers';
/** `when` key for the welcome view: set while no credentials can be found. */
const NO_CREDENTIALS_CONTEXT = 'swas.noCredentials';

/**
 * Regions, each with its key pairs and servers. Every region loads its key pairs on its own; the
 * region shows a loading node until they are in, so a slow or failing region never holds the
 * others back. Servers load when their group is first expanded (or a key pair's tooltip needs
 * their names): one request per shown region, not two, when the view opens.
 */
export class SwasTreeProvider implements vscode.TreeDataProvider<SwasNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SwasNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly keyPairStates = new Map<string, LoadState<KeyPairData>>();
  private readonly serverStates = new Map<string, LoadState<Instance[]>>();
  private regionNodes = new Map<string, RegionNode>();
  /** Kept per region: `changed.fire` finds a node again by identity. */
  private readonly serverGroups = new Map<string, GroupNode>();
  private readonly subscriptions: vscode.Disposable[];
  private view: vscode.TreeView<SwasNode> | undefined;
  /** The credential source in use, shown beside the view's title ("aliyun CLI profile work"). */
  sourceDescription: string | undefined;

  constructor(private readonly services: Services) {
    this.subscriptions = [
      this.changed,
      services.onDidChange((regionId) => (regionId ? this.refreshRegion(regionId) : this.refresh())),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (['swas.endpoint', 'swas.sshKeyDirectory', 'remote.SSH.configFile'].some((s) => event.affectsConfiguration(s))) {
          this.refresh();
        } else if (['swas.regions', 'swas.defaultRegion'].some((s) => event.affectsConfiguration(s))) {
          this.redraw();
        }
      }),
    ];
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }

  /** Refresh, other credentials or another endpoint: every region asks again. */
  refresh(): void {
    for (const regionId of new Set([...this.keyPairStates.keys(), ...this.serverStates.keys()])) {
      this.forget(regionId);
    }
    this.changed.fire(undefined);
  }

  /** Refresh Region, or a command changed the region. */
  refreshRegion(regionId: string): void {
    this.forget(regionId);
    this.changed.fire(this.regionNodes.get(regionId));
  }

  /** The shown regions changed, nothing in them: an answer younger than FRESH_ANSWER_MS is kept. */
  private redraw(): void {
    const now = this.services.clock.now();
    for (const states of [this.keyPairStates, this.serverStates]) {
      for (const [regionId, state] of states) {
        if (state.status !== 'loading' && now - state.startedAt >= FRESH_ANSWER_MS) {
          states.delete(regionId);
        }
      }
    }
    this.changed.fire(undefined);
  }

  /**
   * A load in flight is kept and marked: whoever asks meanwhile shares it, and when it ends the region
   * loads once more, however many refreshes came in between (its answer may predate the change).
   */
  private forget(regionId: string): void {
    for (const states of [this.keyPairStates, this.serverStates]) {
      const state = states.get(regionId);
      if (state?.status === 'loading') {
        state.superseded = true;
      } else {
        states.delete(regionId);
      }
    }
  }

  /** Settles when the region's loads that have started, and the loads that follow superseded ones, are finished (for tests and commands). */
  async settled(regionId: string): Promise<void> {
    for (;;) {
      const loading = [this.loadKeyPairs(regionId), this.serverStates.get(regionId)].filter((s) => s?.status === 'loading');
      if (loading.length === 0) {
        return;
      }
      await Promise.all(loading.map((s) => s?.done));
    }
  }

  private loadKeyPairs(regionId: string): LoadState<KeyPairData> {
    return this.load(this.keyPairStates, regionId, 'key pairs', () => this.fetchKeyPairs(regionId), () => this.regionNodes.get(regionId));
  }

  private loadServers(regionId: string): LoadState<Instance[]> {
    return this.load(
      this.serverStates,
      regionId,
      'servers',
      async () => this.services.client(await this.services.credentials()).listInstances(regionId),
      () => this.serverGroups.get(regionId),
    );
  }

  /**
   * Starts `fetch` once per region until the region is refreshed (a load in flight is shared, a superseded
   * answer is asked for again); `node` is redrawn when it ends.
   */
  private load<T>(states: Map<string, LoadState<T>>, regionId: string, what: string, fetch: () => Promise<T>, node: () => SwasNode | undefined): LoadState<T> {
    const existing = states.get(regionId);
    if (existing && (existing.status === 'loading' || !existing.superseded)) {
      return existing;
    }
    const startedAt = this.services.clock.now();
    const done = fetch().then(
      (data) => {
        if (states.get(regionId) === state) {
          states.set(regionId, { status: 'loaded', data, startedAt, superseded: state.superseded, done });
        }
      },
      (error: unknown) => {
        if (states.get(regionId) === state) {
          this.services.log.warn(`Sidebar: ${what} of ${regionId} could not be loaded (${error instanceof CredentialsError ? 'credentials' : toCloudError(error, 'load').kind}).`);
          states.set(regionId, { status: 'error', error, startedAt, superseded: state.superseded, done });
        }
      },
    ).then(() => this.changed.fire(node()));
    const state: LoadState<T> = { status: 'loading', startedAt, superseded: false, done };
    states.set(regionId, state);
    return state;
  }

  private async fetchKeyPairs(regionId: string): Promise<KeyPairData> {
    const client = this.services.client(await this.services.credentials());
    const paths = sshPaths(readSettings());
    const [keyPairs, config] = await Promise.all([client.listKeyPairs(regionId), readSshConfig(paths)]);
    const localKeys = new Map<string, string>();
    await Promise.all(
      keyPairs.map(async (k) => {
        const found = await localPrivateKey(paths, config, this.services.writtenKeyFiles, regionId, k);
        if (found) {
          localKeys.set(k.keyPairName, found);
        }
      }),
    );
    return { keyPairs, localKeys };
  }

  private loadedKeyPairs(regionId: string): KeyPairData | undefined {
    const state = this.keyPairStates.get(regionId);
    return state?.status === 'loaded' ? state.data : undefined;
  }

  private loadedServers(regionId: string): Instance[] | undefined {
    const state = this.serverStates.get(regionId);
    return state?.status === 'loaded' ? state.data : undefined;
  }

  private serverGroup(regionId: string): GroupNode {
    let group = this.serverGroups.get(regionId);
    if (!group) {
      group = new GroupNode(regionId, 'servers');
      this.serverGroups.set(regionId, group);
    }
    return group;
  }

  async getChildren(element?: SwasNode): Promise<SwasNode[]> {
    if (!element) {
      return this.roots();
    }
    if (element instanceof RegionNode) {
      const state = this.loadKeyPairs(element.regionId);
      if (state.status !== 'loaded') {
        return this.pendingNodes(element.regionId, state);
      }
      return [new GroupNode(element.regionId, 'keyPairs'), this.serverGroup(element.regionId)];
    }
    if (element instanceof GroupNode) {
      const keyPairs = this.loadedKeyPairs(element.regionId);
      if (!keyPairs) {
        return [];
      }
      if (element.group === 'keyPairs') {
        return this.keyPairNodes(element.regionId, keyPairs);
      }
      const servers = this.loadServers(element.regionId);
      return servers.status === 'loaded' ? this.serverNodes(element.regionId, servers.data, keyPairs.keyPairs) : this.pendingNodes(element.regionId, servers);
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
    regions.forEach((r) => this.loadKeyPairs(r));
    return [...this.regionNodes.values()];
  }

  private pendingNodes(regionId: string, state: LoadState<unknown> & { status: 'loading' | 'error' }): SwasNode[] {
    return state.status === 'loading' ? [new MessageNode(vscode.l10n.t('Loading…'), 'loading', undefined, regionId)] : this.errorNodes(regionId, state.error);
  }

  private errorNodes(regionId: string, error: unknown): SwasNode[] {
    if (error instanceof SettingsError) {
      return [
        new MessageNode(error.message, 'error', undefined, regionId),
        new MessageNode(ACTION_OPEN_SETTINGS(), 'action', { command: 'workbench.action.openSettings', arguments: [error.settingId] }, regionId),
      ];
    }
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

  private keyPairNodes(regionId: string, data: KeyPairData): SwasNode[] {
    if (data.keyPairs.length === 0) {
      return [
        new MessageNode(vscode.l10n.t('No key pairs in {0}.', regionId), 'info', undefined, regionId),
        new MessageNode(vscode.l10n.t('Create Key Pair'), 'action', { command: 'swas.createKeyPair', arguments: [{ regionId }] }, regionId),
      ];
    }
    return [...data.keyPairs]
      .sort((a, b) => a.keyPairName.localeCompare(b.keyPairName))
      .map((k) => new KeyPairNode(regionId, k, data.localKeys.get(k.keyPairName)));
  }

  private serverNodes(regionId: string, instances: Instance[], keyPairs: KeyPair[]): SwasNode[] {
    if (instances.length === 0) {
      return [new MessageNode(vscode.l10n.t('No servers in {0}.', regionId), 'info', undefined, regionId)];
    }
    return instances.map((i) => new ServerNode(regionId, i, keyPairs.find((k) => k.instanceIds.includes(i.instanceId))?.keyPairName));
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
        const item = new vscode.TreeItem(label, element.group === 'keyPairs' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `${element.group}:${element.regionId}`;
        const count = element.group === 'keyPairs' ? this.loadedKeyPairs(element.regionId)?.keyPairs.length : this.loadedServers(element.regionId)?.length;
        if (count !== undefined) {
          item.description = String(count);
        }
        item.iconPath = new vscode.ThemeIcon(element.group === 'keyPairs' ? 'key' : 'server');
        item.contextValue = `swas.group.${element.group}`;
        return item;
      }
      case 'keyPair':
        return keyPairItem(element, this.loadedServers(element.regionId));
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

  /**
   * On hover: a key pair's tooltip names its servers (loading them when their group is still
   * closed); a server not named in any key pair list (InstanceIds holds at most 50) asks
   * DescribeInstanceKeyPair.
   */
  async resolveTreeItem(item: vscode.TreeItem, element: SwasNode): Promise<vscode.TreeItem> {
    if (element instanceof KeyPairNode && item.tooltip === undefined) {
      const servers = this.loadServers(element.regionId);
      await servers.done;
      item.tooltip = keyPairTooltip(element, this.loadedServers(element.regionId));
    }
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

/** `servers`: the region's servers, when loaded; the servers line then names them, else their IDs. */
function keyPairTooltip(node: KeyPairNode, servers: Instance[] | undefined): string {
  const ids = node.keyPair.instanceIds;
  const names = ids.map((id) => servers?.find((s) => s.instanceId === id)?.instanceName ?? id);
  return [
    vscode.l10n.t('Created: {0}', node.keyPair.creationTime ?? vscode.l10n.t('unknown')),
    vscode.l10n.t('Fingerprint: {0}', fingerprints(node.keyPair.publicKey)),
    vscode.l10n.t('Local key: {0}', node.localKeyPath ?? vscode.l10n.t('not on this machine')),
    vscode.l10n.t('Servers: {0}', names.join(', ') || vscode.l10n.t('none')),
  ].join('\n');
}

/** Without the region's servers the tooltip is left to `resolveTreeItem`, which loads them on hover. */
function keyPairItem(node: KeyPairNode, servers: Instance[] | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(node.keyPair.keyPairName, vscode.TreeItemCollapsibleState.None);
  item.id = `keyPair:${node.regionId}:${node.keyPair.keyPairName}`;
  item.description = keyPairDescription(node);
  const withoutServerNames = servers === undefined && node.keyPair.instanceIds.length > 0;
  item.tooltip = withoutServerNames ? undefined : keyPairTooltip(node, servers);
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
  const os = osFamily(node.instance.osType);
  lines.push(
    os === 'linux'
      ? vscode.l10n.t('Key pair: {0}', keyPair)
      : os === 'windows'
        ? vscode.l10n.t('Key pairs are not supported on Windows servers.')
        : vscode.l10n.t('Key pairs are for Linux servers; Alibaba Cloud did not say which OS this server runs.'),
  );
  return lines.join('\n');
}

function serverItem(node: ServerNode): vscode.TreeItem {
  const { instance } = node;
  const item = new vscode.TreeItem(instance.instanceName, vscode.TreeItemCollapsibleState.None);
  item.id = `server:${node.regionId}:${instance.instanceId}`;
  const os = osFamily(instance.osType);
  const linux = os === 'linux';
  const windows = os === 'windows';
  const noKeyPairs = windows ? [vscode.l10n.t('no key pairs (Windows)')] : linux ? [] : [vscode.l10n.t('unknown OS')];
  item.description = [instance.publicIpAddress ?? vscode.l10n.t('no public IP'), instance.status, ...noKeyPairs].join(' · ');
  item.tooltip = serverTooltip(node, node.keyPairName ?? vscode.l10n.t('none'));
  item.iconPath = new vscode.ThemeIcon(linux ? 'vm' : 'vm-outline');
  item.contextValue = linux ? 'swas.server.linux' : windows ? 'swas.server.windows' : 'swas.server.unknown';
  return item;
}
