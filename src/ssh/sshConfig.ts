/*
 * The SSH config editor's public face. The text work (parse, locate, render, splice) is pure and
 * lives in sshConfigParse.ts / sshConfigText.ts; the file transaction (lock, backup, atomic
 * replace, verify) in sshConfigFile.ts.
 */
export { SshConfigError } from './sshConfigError';
export type { SshConfigErrorCode } from './sshConfigError';
export {
  applyManagedBlock,
  chooseAlias,
  defaultAlias,
  findManagedBlock,
  listManagedBlocks,
  removeManagedBlock,
  resolveSshConfigPath,
} from './sshConfigText';
export type { HostEntry, ManagedBlock } from './sshConfigText';
export { updateSshConfig } from './sshConfigFile';
export type { UpdateSshConfigOptions, UpdateSshConfigResult } from './sshConfigFile';
