/**
 * An independent judge of "no byte of the SSH config outside our block changed": it shares no code
 * with the product, only the marker text the README documents (`# --- BEGIN SWAS KEY PAIR
 * <region>/<name> …` … `# --- END SWAS KEY PAIR <region>/<name> ---`). The edited text must be the
 * original with exactly one such block inserted, plus at most two line breaks after it (the blank
 * line that separates it from what follows).
 */

function lineEndAfter(text: string, index: number): number {
  const newline = text.indexOf('\n', index);
  return newline < 0 ? text.length : newline + 1;
}

/** Why `edited` is not `original` plus our block for `region/keyPairName`; undefined when it is. */
export function changedOutsideBlock(original: string, edited: string, region: string, keyPairName: string): string | undefined {
  const id = `${region}/${keyPairName}`;
  const begin = `# --- BEGIN SWAS KEY PAIR ${id} `;
  const end = `# --- END SWAS KEY PAIR ${id} ---`;
  const starts = [...edited.matchAll(new RegExp(`(^\uFEFF?|\\n)${begin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`, 'g'))];
  if (starts.length !== 1) {
    return `expected one BEGIN marker for ${id}, found ${starts.length}`;
  }
  const blockStart = starts[0].index! + starts[0][1].length;
  const endAt = edited.indexOf(`\n${end}`, blockStart);
  if (endAt < 0) {
    return `no END marker for ${id} after its BEGIN marker`;
  }
  const blockEnd = lineEndAfter(edited, endAt + 1);
  const before = edited.slice(0, blockStart);
  for (let breaks = 0; breaks <= 2; breaks++) {
    let after = edited.slice(blockEnd);
    let ok = true;
    for (let i = 0; i < breaks; i++) {
      const match = /^\r?\n/.exec(after);
      if (!match) {
        ok = false;
        break;
      }
      after = after.slice(match[0].length);
    }
    if (ok && before + after === original) {
      return undefined;
    }
  }
  const outside = before + edited.slice(blockEnd);
  let at = 0;
  while (at < outside.length && outside[at] === original[at]) at++;
  return `bytes outside the block differ from the original near offset ${at}: ${JSON.stringify(original.slice(Math.max(0, at - 20), at + 20))} became ${JSON.stringify(outside.slice(Math.max(0, at - 20), at + 20))}`;
}
