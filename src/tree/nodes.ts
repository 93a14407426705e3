import type { Instance, KeyPair } from '../cloud/client';
import type { CreateKeyPairArgs, ImportArgs, KeyPairArgs, RegionArgs, RevealKeyFileArgs, ServerArgs } from '../commandArgs';

/* The nodes are the arguments of the commands their menus run (package.json view/item/context). */

/** A region at the top of the tree. */
export class RegionNode implements RegionArgs, CreateKeyPairArgs, ImportArgs {
  readonly kind = 'region';
  constructor(readonly regionId: string) {}
}

export class GroupNode {
  readonly kind = 'group';
  constructor(
    readonly regionId: string,
    readonly group: 'keyPairs' | 'servers',
  ) {}
}

export class KeyPairNode implements KeyPairArgs, RevealKeyFileArgs {
  readonly kind = 'keyPair';
  constructor(
    readonly regionId: string,
    readonly keyPair: KeyPair,
    /** The private key on this machine, when there is one. */
    readonly localKeyPath: string | undefined,
  ) {}
}

export class ServerNode implements ServerArgs {
  readonly kind = 'server';
  constructor(
    readonly regionId: string,
    readonly instance: Instance,
    /** From the key pairs' InstanceIds; undefined when no list names the server. */
    readonly keyPairName: string | undefined,
  ) {}
}

/** Loading, empty and error states, and the Retry / Sign In / Add Region buttons under them. */
export class MessageNode {
  readonly kind = 'message';
  constructor(
    readonly text: string,
    readonly icon: 'loading' | 'info' | 'error' | 'action',
    readonly command?: { command: string; arguments?: unknown[] },
    readonly regionId?: string,
  ) {}
}

export type SwasNode = RegionNode | GroupNode | KeyPairNode | ServerNode | MessageNode;
