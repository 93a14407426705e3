import { ManagedBlock } from '../../src/ssh/sshConfigText';

/** One managed block, the shape the tests of the block text and of its check with ssh -G both start from. */
export const BLOCK: ManagedBlock = {
  region: 'cn-hangzhou',
  keyPairName: 'my-key',
  user: 'root',
  identityFile: '~/.ssh/my-key.pem',
  hosts: [{ alias: 'swas-my-key', hostName: '47.1.2.3' }],
};
