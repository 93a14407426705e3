import * as os from 'os';
import * as vscode from 'vscode';
import { parseEndpointSetting, ParsedEndpointSetting } from './cloud/endpoint';

export interface Settings {
  endpointSetting: string;
  endpoint: ParsedEndpointSetting;
  defaultRegion: string;
  defaultUser: string;
  sshKeyDirectory: string;
  /** `remote.SSH.configFile`, so our entry lands in the file Remote-SSH reads. */
  remoteSshConfigFile: string | undefined;
  regions: string[];
  requestTimeoutMs: number;
  /** How long Restart Server waits for the server to be Running again. */
  restartTimeoutMs: number;
  /** How an attached key pair is made to work: asked each time, Cloud Assistant at once, or a restart. */
  applyKeyWith: ApplyKeyWith;
}

export type ApplyKeyWith = 'ask' | 'cloudAssistant' | 'restart';
const APPLY_KEY_WITH: readonly ApplyKeyWith[] = ['ask', 'cloudAssistant', 'restart'];

export function readSettings(): Settings {
  const swas = vscode.workspace.getConfiguration('swas');
  const endpointSetting = swas.get<string>('endpoint', '');
  return {
    endpointSetting,
    endpoint: parseEndpointSetting(endpointSetting),
    defaultRegion: swas.get<string>('defaultRegion', '').trim(),
    defaultUser: swas.get<string>('defaultUser', 'root').trim() || 'root',
    sshKeyDirectory: swas.get<string>('sshKeyDirectory', '~/.ssh').trim() || '~/.ssh',
    remoteSshConfigFile: vscode.workspace.getConfiguration('remote.SSH').get<string>('configFile') || undefined,
    regions: swas.get<string[]>('regions', []),
    requestTimeoutMs: Math.max(1, swas.get<number>('requestTimeout', 30)) * 1000,
    restartTimeoutMs: Math.max(1, swas.get<number>('restartTimeout', 300)) * 1000,
    applyKeyWith: APPLY_KEY_WITH.find((value) => value === swas.get<string>('applyKeyWith')) ?? 'ask',
  };
}

export function homeDirectory(): string {
  return os.homedir();
}

/**
 * The folder OpenSSH expands `~` to: the passwd entry's home on POSIX (not $HOME, which Node
 * prefers), the user profile on Windows. A `~/…` IdentityFile is only written for paths under it.
 */
export function sshTildeDirectory(): string {
  return process.platform === 'win32' ? os.homedir() : os.userInfo().homedir;
}
