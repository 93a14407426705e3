import * as vscode from 'vscode';

/**
 * How each remote-SSH extension is asked to open a window on a host alias from the SSH config.
 * - `command`: its own command with `{ host }`. Microsoft documents `opensshremotes.openEmptyWindow`
 *   with `IOpenWindowsArgs { host, userName?, port? }` as stable for other extensions
 *   (microsoft/vscode-remote-release#7529, #7725).
 * - `authority`: a new window on the `ssh-remote+<destination>` authority its resolver handles.
 *   open-remote-ssh's own "Connect to Host" does exactly this, with the destination as hex of
 *   `{"hostName": …}` because VS Code lowercases URI authorities (jeanp413/open-remote-ssh
 *   src/commands.ts, src/ssh/sshDestination.ts); its `openremotessh.openEmptyWindow` takes no host.
 */
export type HandOff = { kind: 'command'; command: string } | { kind: 'authority' };

export interface RemoteSshProvider {
  extensionId: string;
  /** Ways to open the host, tried in order; a command is only used when it is registered. */
  handOffs: HandOff[];
}

const OPEN_EMPTY_WINDOW: HandOff = { kind: 'command', command: 'opensshremotes.openEmptyWindow' };
const AUTHORITY: HandOff = { kind: 'authority' };

export const MICROSOFT_REMOTE_SSH = 'ms-vscode-remote.remote-ssh';
export const OPEN_REMOTE_SSH = 'jeanp413.open-remote-ssh';
export const CURSOR_REMOTE_SSH = 'anysphere.remote-ssh';
export const WINDSURF_REMOTE_SSH = 'codeium.windsurf-remote-openssh';

/**
 * Cursor's extension is a fork of Microsoft's (its log prints Microsoft's `remote-ssh@0.1xx`
 * version and resolves hex-encoded `ssh-remote+7b22…` authorities: cursor/cursor#2359); its
 * command IDs are not published, so Microsoft's command is used only when it is registered.
 * Windsurf's is a fork of open-remote-ssh (its id says so) whose commands are not published either:
 * the authority is the contract both share with every `ssh-remote` resolver (Coder's extension
 * opens all of them that way: coder/vscode-coder).
 */
export const REMOTE_SSH_PROVIDERS: readonly RemoteSshProvider[] = [
  { extensionId: MICROSOFT_REMOTE_SSH, handOffs: [OPEN_EMPTY_WINDOW] },
  { extensionId: CURSOR_REMOTE_SSH, handOffs: [OPEN_EMPTY_WINDOW, AUTHORITY] },
  { extensionId: WINDSURF_REMOTE_SSH, handOffs: [AUTHORITY] },
  { extensionId: OPEN_REMOTE_SSH, handOffs: [AUTHORITY] },
];

/** How a message names each extension: its name in the galleries, and whose it is (an ID means nothing to most users). */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  [MICROSOFT_REMOTE_SSH]: 'Remote - SSH (Microsoft)',
  [CURSOR_REMOTE_SSH]: 'Remote - SSH (Cursor)',
  [WINDSURF_REMOTE_SSH]: 'Remote - SSH (Windsurf)',
  [OPEN_REMOTE_SSH]: 'Open Remote - SSH',
};

export function providerName(extensionId: string): string {
  return PROVIDER_NAMES[extensionId] ?? extensionId;
}

/** The remote-SSH extension this editor's gallery carries (Marketplace, Open VSX, or the fork's own). */
export function galleryProvider(appName: string, uriScheme: string): string {
  const editor = `${appName} ${uriScheme}`.toLowerCase();
  if (editor.includes('cursor')) return CURSOR_REMOTE_SSH;
  if (editor.includes('windsurf')) return WINDSURF_REMOTE_SSH;
  // Microsoft's builds (Stable, Insiders) are the only ones Microsoft's extension runs in.
  if (appName.includes('Visual Studio Code') || /^vscode(-insiders)?$/.test(uriScheme)) return MICROSOFT_REMOTE_SSH;
  return OPEN_REMOTE_SSH;
}

/** The providers in the order they are tried: this editor's own first (others may refuse to run in it). */
export function providersInOrder(appName: string, uriScheme: string): RemoteSshProvider[] {
  const own = galleryProvider(appName, uriScheme);
  return [...REMOTE_SSH_PROVIDERS].sort((a, b) => Number(b.extensionId === own) - Number(a.extensionId === own));
}

/** `ssh-remote+<hex of {"hostName": alias}>`: survives VS Code lowercasing the authority. */
export function sshRemoteAuthority(alias: string): string {
  return `ssh-remote+${Buffer.from(JSON.stringify({ hostName: alias }), 'utf8').toString('hex')}`;
}

export interface ChosenHandOff {
  extensionId: string;
  handOff: HandOff;
}

/**
 * The first installed provider that can take the alias: it is activated (an extension's commands
 * are registered by its activation), and a command hand-off only counts when the command is
 * then registered, so nothing calls a command that does not exist.
 */
export async function chooseHandOff(log: vscode.LogOutputChannel): Promise<ChosenHandOff | undefined> {
  for (const provider of providersInOrder(vscode.env.appName, vscode.env.uriScheme)) {
    const extension = vscode.extensions.getExtension(provider.extensionId);
    if (!extension) {
      continue;
    }
    try {
      await extension.activate();
    } catch (error) {
      log.warn(`${provider.extensionId} is installed but did not activate: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const registered = new Set(await vscode.commands.getCommands(true));
    const handOff = provider.handOffs.find((h) => h.kind === 'authority' || registered.has(h.command));
    if (handOff) {
      return { extensionId: provider.extensionId, handOff };
    }
    log.warn(`${provider.extensionId} is installed but registers none of: ${provider.handOffs.map((h) => (h.kind === 'command' ? h.command : 'ssh-remote')).join(', ')}.`);
  }
  return undefined;
}
