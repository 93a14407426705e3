/*
 * The SSH config editor's public face. The text work (parse, locate, render, splice) is pure and
 * lives in sshConfigParse.ts / sshConfigText.ts; the file transaction (lock, backup, atomic
 * replace, verify) in sshConfigFile.ts.
 */
export { formatProblems, SshConfigError } from './sshConfigError';
export type { OpenSshProblem, SshConfigErrorCode } from './sshConfigError';
export {
  aliasPart,
  applyManagedBlock,
  chooseAlias,
  defaultAlias,
  findManagedBlock,
  listManagedBlocks,
  removeManagedBlock,
  resolveSshConfigPath,
} from './sshConfigText';
export type { HostEntry, ManagedBlock } from './sshConfigText';
export { repairSshConfig, updateSshConfig } from './sshConfigFile';
export type { SshConfigRepair, UpdateSshConfigOptions, UpdateSshConfigResult } from './sshConfigFile';
