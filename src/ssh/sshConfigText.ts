import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { LineType } from 'ssh-config';
import { expandHome } from './paths';
import { SshConfigError } from './sshConfigError';
import { analyze, analyzeUncached, BlockRange, ConfigStructure, isSection, MARKER_PATTERN, nodeValues } from './sshConfigParse';

/* The managed blocks in an SSH config text: find, render, splice. Pure text in, text out. */

export interface HostEntry {
  alias: string;
  hostName?: string;
  instanceId?: string;
  instanceName?: string;
}

export interface ManagedBlock {
  region: string;
  keyPairName: string;
  user: string;
  /** The path as OpenSSH names it (`~/.ssh/k.pem` or absolute), before `sshConfigValue` quotes and escapes it. */
  identityFile: string;
  hosts: HostEntry[];
}

const BEGIN_PREFIX = '# --- BEGIN SWAS KEY PAIR ';
const END_PREFIX = '# --- END SWAS KEY PAIR ';
const INSTANCE_ID_COMMENT = '# SWAS instance ID: ';
const INSTANCE_NAME_COMMENT = '# SWAS instance name: ';
const NO_SERVER_COMMENT =
  '# No server yet: attach this key pair to a server and HostName is filled in then.';
const INDENT = '  ';
const MATCH_ALL_COMMENT = '# Match all ends the Host section above: what follows applies to every host, as before.';
const IGNORE_UNKNOWN_COMMENT =
  '# Added by SWAS Key Pairs with your consent: OpenSSH here does not know these options and refused the whole file.';

// ---------------------------------------------------------------------------
// Paths and aliases

/** The SSH config Remote-SSH uses: its `remote.SSH.configFile` setting, else `~/.ssh/config`. */
export function resolveSshConfigPath(remoteSshConfigFile: string | undefined, home: string): string {
  const configured = remoteSshConfigFile?.trim();
  if (!configured) {
    return path.join(home, '.ssh', 'config');
  }
  return path.resolve(home, expandHome(configured, home));
}

/**
 * `name` as part of a Host alias: lower case, only [a-z0-9._-]. A name with other characters
 * (Chinese is allowed in key pair and server names) keeps its ASCII part, without dashes at the
 * ends, and adds a short hash of `identity`: dropping those characters alone gives every such name
 * the same part, which the next key pair or server would then take over.
 */
export function aliasPart(name: string, identity: string): string {
  const ascii = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  if (/^[\x00-\x7f]*$/.test(name)) {
    return ascii;
  }
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 6);
  return [ascii.replace(/^-+|-+$/g, ''), hash].filter(Boolean).join('-');
}

/**
 * The first alias of a key pair's block. An ASCII name keeps `swas-<name>`, the alias users have in
 * their Remote-SSH host lists. Other names hash what identifies this key pair, its region, name and
 * public key: the alias is the same on every machine and every rewrite, and a deleted key pair's
 * alias never comes back for another one (a new key pair of the same name has another key).
 */
export function defaultAlias(keyPairName: string, identity: { region: string; publicKey: string }): string {
  const publicKey = identity.publicKey.trim().split(/\s+/).slice(0, 2).join(' ');
  return `swas-${aliasPart(keyPairName, `${identity.region}\n${keyPairName}\n${publicKey}`)}`;
}

function isConcreteHostName(name: string): boolean {
  return name.length > 0 && !/[*?]/.test(name) && !name.startsWith('!');
}

function blockToManaged(structure: ConfigStructure, range: BlockRange): ManagedBlock {
  const block: ManagedBlock = {
    region: range.region,
    keyPairName: range.keyPairName,
    user: '',
    identityFile: '',
    hosts: [],
  };
  let host: HostEntry | undefined;
  for (const { line, node } of structure.nodes) {
    if (line <= range.beginLine || line >= range.endLine) {
      continue;
    }
    if (node.type === LineType.COMMENT) {
      if (host && node.content.startsWith(INSTANCE_ID_COMMENT)) {
        host.instanceId = node.content.slice(INSTANCE_ID_COMMENT.length).trim();
      } else if (host && node.content.startsWith(INSTANCE_NAME_COMMENT)) {
        host.instanceName = node.content.slice(INSTANCE_NAME_COMMENT.length).trim();
      }
      continue;
    }
    if (node.type !== LineType.DIRECTIVE) {
      continue;
    }
    const keyword = node.param.toLowerCase();
    const value = nodeValues(node.value)[0] ?? '';
    if (keyword === 'host') {
      host = { alias: value };
      block.hosts.push(host);
    } else if (keyword === 'hostname' && host) {
      host.hostName = value;
    } else if (keyword === 'user' && !block.user) {
      block.user = value;
    } else if (keyword === 'identityfile' && !block.identityFile) {
      // ssh-config has removed the quotes; the path itself has `%` where the file has `%%`.
      block.identityFile = value.replace(/%%/g, '%');
    }
  }
  return block;
}

function inRange(range: BlockRange | undefined, line: number): boolean {
  return range !== undefined && line >= range.beginLine && line <= range.endLine;
}

/** The managed block of one key pair, if the text has it. Throws on broken markers. */
export function findManagedBlock(text: string, region: string, keyPairName: string): ManagedBlock | undefined {
  const structure = analyze(text);
  const range = structure.blocks.find((block) => block.region === region && block.keyPairName === keyPairName);
  return range && blockToManaged(structure, range);
}

/** Every managed block in file order. Throws on broken markers. */
export function listManagedBlocks(text: string): ManagedBlock[] {
  const structure = analyze(text);
  return structure.blocks.map((range) => blockToManaged(structure, range));
}

function hostNamesWhere(structure: ConfigStructure, include: (line: number) => boolean): Set<string> {
  const names = new Set<string>();
  for (const { line, node } of structure.nodes) {
    if (isSection(node) && /^host$/i.test(node.param) && include(line)) {
      for (const name of nodeValues(node.value)) {
        if (isConcreteHostName(name)) {
          names.add(name.toLowerCase());
        }
      }
    }
  }
  return names;
}

/**
 * `wanted` if no Host outside this key pair's own block uses it (the user's hosts and
 * other SWAS blocks count), else the first free `wanted-2`, `wanted-3`, …
 */
export function chooseAlias(text: string, wanted: string, region: string, keyPairName: string): string {
  const structure = analyze(text);
  const ours = structure.blocks.find((block) => block.region === region && block.keyPairName === keyPairName);
  const taken = hostNamesWhere(structure, (line) => !inRange(ours, line));
  if (!taken.has(wanted.toLowerCase())) {
    return wanted;
  }
  for (let suffix = 2; ; suffix++) {
    const candidate = `${wanted}-${suffix}`;
    if (!taken.has(candidate.toLowerCase())) {
      return candidate;
    }
  }
}

// ---------------------------------------------------------------------------
// Rendering and splicing

/**
 * The one quoting rule for every value we write to an SSH config, as OpenSSH's tokenizer reads it
 * (ssh_config(5); `argv_split` in current releases, `strdelim` in old ones such as Windows 10's 7.7): a
 * value with whitespace, `#`, `'` or `=` is wrapped in double quotes, which both read alike. Neither
 * can write `"`, and a `\` before `\`, `'`, `"`, whitespace or the closing quote is an escape in one
 * and not the other: those are refused. `IdentityFile` is %-expanded: `%` is written `%%`. `User` is
 * %-expanded only by newer OpenSSH, so a `%` there would mean different things: refused.
 */
export function sshConfigValue(keyword: 'HostName' | 'User' | 'IdentityFile', value: string): string {
  const unwritable = /["\x00-\x1f\x7f]|\\(?=[\\'"\s]|$)/.test(value) || (keyword !== 'IdentityFile' && value.includes('%'));
  if (value.length === 0 || unwritable) {
    throw new SshConfigError('VALUE_UNWRITABLE', `${keyword} value ${JSON.stringify(value)} cannot be written to an SSH config.`, { unwritable: { keyword, value } });
  }
  const escaped = keyword === 'IdentityFile' ? value.replace(/%/g, '%%') : value;
  return /[\s#'=]/.test(escaped) ? `"${escaped}"` : escaped;
}

function singleLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

function renderBlock(block: ManagedBlock, eol: string): string {
  const id = `${block.region}/${block.keyPairName}`;
  if (!MARKER_PATTERN.test(`${BEGIN_PREFIX}${id}`) || /\s/.test(id)) {
    throw new TypeError(`Region/key pair ${JSON.stringify(id)} cannot be used in a block marker.`);
  }
  const lines = [`${BEGIN_PREFIX}${id} (managed by the SWAS Key Pairs extension; edits inside are replaced) ---`];
  for (const host of block.hosts) {
    if (!isConcreteHostName(host.alias) || /[\s#"]/.test(host.alias)) {
      throw new TypeError(`Host alias ${JSON.stringify(host.alias)} is not a plain name.`);
    }
    lines.push(`Host ${host.alias}`);
    if (host.instanceName) {
      lines.push(`${INDENT}${INSTANCE_NAME_COMMENT}${singleLine(host.instanceName)}`);
    }
    if (host.instanceId) {
      lines.push(`${INDENT}${INSTANCE_ID_COMMENT}${singleLine(host.instanceId)}`);
    }
    lines.push(host.hostName
      ? `${INDENT}HostName ${sshConfigValue('HostName', host.hostName)}`
      : `${INDENT}${NO_SERVER_COMMENT}`);
    // No user (a block whose User line was deleted): OpenSSH then uses the local user name.
    if (block.user !== '') {
      lines.push(`${INDENT}User ${sshConfigValue('User', block.user)}`);
    }
    lines.push(`${INDENT}IdentityFile ${sshConfigValue('IdentityFile', block.identityFile)}`);
    lines.push(`${INDENT}IdentitiesOnly yes`);
  }
  lines.push(MATCH_ALL_COMMENT, 'Match all');
  lines.push(`${END_PREFIX}${id} ---`);
  return lines.join(eol);
}

/** Offset just past the line's content, before its "\r\n"/"\n" (or at end of text). */
function lineContentEnd(structure: ConfigStructure, line: number): number {
  const next = structure.lineStarts[line + 1] ?? structure.body.length;
  const { body } = structure;
  if (next > 0 && body[next - 1] === '\n') {
    return body[next - 2] === '\r' ? next - 2 : next - 1;
  }
  return next;
}

function isBlankLine(structure: ConfigStructure, line: number): boolean {
  const start = structure.lineStarts[line];
  return start !== undefined
    && start < structure.body.length
    && structure.body.slice(start, lineContentEnd(structure, line)).trim() === '';
}

/**
 * Whether only comments, blank lines and other SWAS blocks come before the block. Blocks written
 * before our key was required to come first sit after the user's global lines; those move up.
 */
function isAtTop(structure: ConfigStructure, range: BlockRange): boolean {
  const insideABlock = (line: number): boolean => structure.blocks.some((other) => line >= other.beginLine && line <= other.endLine);
  return structure.nodes.every(({ line, node }) => line >= range.beginLine || node.type === LineType.COMMENT || insideABlock(line));
}

function splice(structure: ConfigStructure, start: number, end: number, insert: string): string {
  return structure.bom + structure.body.slice(0, start) + insert + structure.body.slice(end);
}

/**
 * Replaces `block`'s key pair block in place, or inserts it at the very top of the text.
 * OpenSSH uses the first value it obtains per keyword and offers IdentityFiles in the order it
 * reads them (ssh_config(5)), so only a block above everything, the user's global
 * `IdentityFile`/`User` lines included, makes our key the first one offered. The block ends with
 * `Match all`, which matches every host: what follows is as global as it was before.
 */
export function applyManagedBlock(text: string, block: ManagedBlock): string {
  let structure = analyze(text);
  const existing = structure.blocks.find(
    (range) => range.region === block.region && range.keyPairName === block.keyPairName,
  );
  if (existing && isAtTop(structure, existing)) {
    // The END line keeps its own line ending (or lack of one).
    return splice(structure, structure.lineStarts[existing.beginLine], lineContentEnd(structure, existing.endLine), renderBlock(block, structure.eol));
  }
  if (existing) {
    structure = analyze(removeManagedBlock(text, block.region, block.keyPairName));
  }
  const rendered = renderBlock(block, structure.eol);
  return splice(structure, 0, 0, structure.body.length === 0 ? rendered + structure.eol : rendered + structure.eol + structure.eol);
}

/** The text with `IgnoreUnknown` for `options` as its first line, where it applies to every later line. */
export function withIgnoreUnknown(text: string, options: string[]): string {
  const structure = analyze(text);
  // OpenSSH keeps the first IgnoreUnknown it reads, so the user's own patterns join ours.
  const patterns = new Set(options);
  for (const { node } of analyzeUncached(text, 'every').nodes) {
    if (node.type === LineType.DIRECTIVE && node.param.toLowerCase() === 'ignoreunknown') {
      nodeValues(node.value).join(',').split(',').filter(Boolean).forEach((pattern) => patterns.add(pattern));
    }
  }
  const { eol } = structure;
  return splice(structure, 0, 0, `${IGNORE_UNKNOWN_COMMENT}${eol}IgnoreUnknown ${[...patterns].join(',')}${eol}`);
}

/** Removes the key pair's block (and the blank line `applyManagedBlock` put after it). */
export function removeManagedBlock(text: string, region: string, keyPairName: string): string {
  const structure = analyze(text);
  const range = structure.blocks.find((block) => block.region === region && block.keyPairName === keyPairName);
  if (!range) {
    return text;
  }
  const { lineStarts, body } = structure;
  let start = lineStarts[range.beginLine];
  let end = lineStarts[range.endLine + 1] ?? body.length;
  const endsFile = lineContentEnd(structure, range.endLine) === body.length;
  if (endsFile && !body.endsWith('\n') && range.beginLine > 0) {
    start = lineContentEnd(structure, range.beginLine - 1);
  } else if (!endsFile && isBlankLine(structure, range.endLine + 1)) {
    end = lineStarts[range.endLine + 2] ?? body.length;
  }
  return splice(structure, start, end, '');
}

/** 1-based line of the first `keyword value` directive in the text, for error messages. */
export function locateDirective(text: string, keyword: string, value: string): number | undefined {
  // Only after a failed check: the directive may be one analyze() leaves unparsed.
  const structure = analyzeUncached(text, 'every');
  const found = structure.nodes.find(({ node }) =>
    node.type === LineType.DIRECTIVE
    && node.param.toLowerCase() === keyword
    && nodeValues(node.value).join(' ') === value);
  return found && found.line + 1;
}

/**
 * Maps a 1-based line of `edited` back to the same line of `original`, undefined for a line the
 * edit added: OpenSSH's complaints about a candidate file must name the user's own line numbers.
 */
export function originalLineOf(original: string, edited: string): (line: number) => number | undefined {
  const before = original.split('\n');
  const after = edited.split('\n');
  const shortest = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shortest && before[prefix] === after[prefix]) {
    prefix++;
  }
  let suffix = 0;
  while (suffix < shortest - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) {
    suffix++;
  }
  return (line) => {
    if (line <= prefix) {
      return line;
    }
    return line > after.length - suffix ? line - (after.length - before.length) : undefined;
  };
}

/** The text without its leading UTF-8 byte order mark. */
export function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}
