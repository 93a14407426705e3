/** A test file and its compiled size, which stands in for its running time (the long suites are the long files). */
export interface SizedFile {
  file: string;
  size: number;
}

/**
 * Spreads files over at most `shards` lists of about equal total size: largest first, each into the list that
 * is smallest so far. Each list is sorted by name; empty lists are dropped.
 */
export function shardBySize(files: SizedFile[], shards: number): string[][] {
  const lists = Array.from({ length: Math.max(1, shards) }, () => ({ files: [] as string[], size: 0 }));
  for (const { file, size } of [...files].sort((a, b) => b.size - a.size)) {
    const smallest = lists.reduce((a, b) => (b.size < a.size ? b : a));
    smallest.files.push(file);
    smallest.size += size;
  }
  return lists.map((list) => list.files.sort()).filter((list) => list.length > 0);
}
