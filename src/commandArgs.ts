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
