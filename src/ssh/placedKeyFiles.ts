import * as path from 'node:path';
import type { Memento } from '../cloud/regionCache';

const PLACED_KEY = 'swas.placedKeyFiles';

/**
 * The key files this extension wrote on this machine (private keys and their `.pub`), kept in
 * `globalState`. Delete offers to remove a local key file only when it is listed here: a file
 * the user had before (an imported `id_ed25519.pub` and its private half) is never offered,
 * whatever its name. A file written before this record existed is not offered either (safe side).
 */
export class PlacedKeyFiles {
  constructor(private readonly memento: Memento) {}

  private list(): string[] {
    return this.memento.get<string[]>(PLACED_KEY) ?? [];
  }

  async remember(...files: string[]): Promise<void> {
    const known = new Set(this.list());
    for (const file of files) known.add(path.resolve(file));
    await this.memento.update(PLACED_KEY, [...known]);
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
    await this.memento.update(PLACED_KEY, this.list().filter((file) => !gone.has(file)));
  }
}
