import { promises as fs } from 'fs';
import * as os from 'os';

/**
 * Makes `home` the passwd home of the user this process runs as, in the private copy of /etc/passwd
 * that test/host/private-passwd.sh binds over it (`passwdCopy`, its SWAS_TEST_PASSWD): OpenSSH takes `~`
 * from passwd, VS Code and Node from $HOME, and on a user's machine both are the same folder.
 */
export async function makePasswdHome(passwdCopy: string, home: string): Promise<void> {
  const uid = String(process.getuid?.());
  const lines = (await fs.readFile(passwdCopy, 'utf8')).split('\n').map((line) => {
    const fields = line.split(':');
    return fields[2] === uid ? [...fields.slice(0, 5), home, ...fields.slice(6)].join(':') : line;
  });
  // in place: the bind mount over /etc/passwd shows this very file
  await fs.writeFile(passwdCopy, lines.join('\n'));
  if (os.userInfo().homedir !== home) {
    throw new Error(`${passwdCopy} is not what /etc/passwd shows: the passwd home is ${os.userInfo().homedir}, not ${home}`);
  }
}
