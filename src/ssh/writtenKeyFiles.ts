import * as path from 'node:path';
import type { Memento } from '../cloud/regionCache';

// The globalState key keeps its first name, so the record of existing installs is still found.
const STATE_KEY = 'swas.placedKeyFiles';

/**
 * The key files this extension wrote on this machine (private keys and their `.pub`), kept in
 * `globalState`. Delete offers to remove a local key file only when it is listed here: a file
 * the user had before (an imported `id_ed25519.pub` and its private half) is never offered,
 * whatever its name. A file written before this record existed is not offered either (safe side).
 */
export class WrittenKeyFiles {
  constructor(private readonly memento: Memento) {}

  private list(): string[] {
    return this.memento.get<string[]>(STATE_KEY) ?? [];
  }

  async remember(...files: string[]): Promise<void> {
    const known = new Set(this.list());
    for (const file of files) known.add(path.resolve(file));
    await this.memento.update(STATE_KEY, [...known]);
  }

  /** The private keys among them (a Save As may have put one anywhere), newest first. */
  privateKeys(): string[] {
    return this.list().filter((file) => !file.endsWith('.pub')).reverse();
  }

  wasPlaced(file: string): boolean {
    return this.list().includes(path.resolve(file));
  }

  async forget(...files: string[]): Promise<void> {
    const gone = new Set(files.map((file) => path.resolve(file)));
    await this.memento.update(STATE_KEY, this.list().filter((file) => !gone.has(file)));
  }
}
