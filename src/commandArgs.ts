import type { Instance, KeyPair } from './cloud/client';

/**
 * Not a command: the arguments commands take, from a tree node (whose fields match), another
 * command's message button, or nothing when run from the palette (then they ask).
 */

export interface KeyPairArgs {
  regionId: string;
  keyPair: KeyPair;
}

export interface ServerArgs {
  regionId: string;
  instance: Instance;
}

/** A region node, or a region given by another command. */
export interface RegionArgs {
  regionId: string;
}

/** A region node preselects the region (two steps only). */
export interface CreateKeyPairArgs {
  regionId?: string;
}

export interface ImportArgs {
  regionId?: string;
}

/** A key pair node; `localKeyPath` is the private key the tree found on this machine. */
export type RevealKeyFileArgs = KeyPairArgs & { localKeyPath?: string };

export interface ConnectArgs {
  alias: string;
  /** The key was attached but the server not restarted yet: the login would fail. */
  needsRestart?: boolean;
}
