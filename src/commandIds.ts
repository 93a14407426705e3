import type { ConnectArgs, CreateKeyPairArgs, ImportArgs, KeyPairArgs, RegionArgs, RevealKeyFileArgs, ServerArgs } from './commandArgs';

/**
 * Every command the extension contributes, with the arguments it takes (undefined when run from the
 * palette: then it asks). package.json's `contributes.commands` and menus must name exactly these
 * (test/tooling/commandIds.test.ts); src/commandRegistry.ts registers and runs them by these types.
 */
export interface SwasCommands {
  'swas.createKeyPair': [args?: CreateKeyPairArgs];
  'swas.signIn': [];
  'swas.signOut': [];
  'swas.connectWithRemoteSsh': [args: ConnectArgs];
  'swas.restartServer': [args?: ServerArgs];
  'swas.testSshConnection': [args?: ServerArgs];
  'swas.refresh': [];
  'swas.refreshRegion': [args?: RegionArgs];
  'swas.addRegion': [];
  'swas.removeRegion': [args?: RegionArgs];
  'swas.importPublicKey': [args?: ImportArgs];
  'swas.attachKeyPair': [args?: KeyPairArgs];
  'swas.rotateKeyPair': [args?: KeyPairArgs];
  'swas.detachKeyPair': [args?: KeyPairArgs];
  'swas.deleteKeyPair': [args?: KeyPairArgs];
  'swas.copyFingerprint': [args?: KeyPairArgs];
  'swas.revealKeyFile': [args?: RevealKeyFileArgs];
  'swas.connectServer': [args?: ServerArgs];
  'swas.copyPublicIp': [args?: ServerArgs];
}

export type SwasCommandId = keyof SwasCommands;

/** A key per command, so the compiler refuses a list that misses one or adds one. */
const ALL: { readonly [K in SwasCommandId]: true } = {
  'swas.createKeyPair': true,
  'swas.signIn': true,
  'swas.signOut': true,
  'swas.connectWithRemoteSsh': true,
  'swas.restartServer': true,
  'swas.testSshConnection': true,
  'swas.refresh': true,
  'swas.refreshRegion': true,
  'swas.addRegion': true,
  'swas.removeRegion': true,
  'swas.importPublicKey': true,
  'swas.attachKeyPair': true,
  'swas.rotateKeyPair': true,
  'swas.detachKeyPair': true,
  'swas.deleteKeyPair': true,
  'swas.copyFingerprint': true,
  'swas.revealKeyFile': true,
  'swas.connectServer': true,
  'swas.copyPublicIp': true,
};

export const SWAS_COMMAND_IDS = Object.keys(ALL) as SwasCommandId[];
