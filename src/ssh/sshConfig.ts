import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import SSHConfig, { Line, LineType, Section } from 'ssh-config';
import { Logger, silentLogger } from '../logger';
import { withConfigLock } from './configLock';
import { SshConfigError } from './sshConfigError';
import { sshG } from './sshVerify';

export { SshConfigError } from './sshConfigError';
export type { SshConfigErrorCode } from './sshConfigError';

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
  /** Already in config form (e.g. `~/.ssh/k.pem`); quoted on output when it contains spaces. */
  identityFile: string;
  hosts: HostEntry[];
}

const BEGIN_PREFIX = '# --- BEGIN SWAS KEY PAIR ';
const END_PREFIX = '# --- END SWAS KEY PAIR ';
const MARKER_PATTERN = /^#\s*---\s*(BEGIN|END) SWAS KEY PAIR\s+([^\s/]+)\/(\S+)/;
const INSTANCE_ID_COMMENT = '# SWAS instance ID: ';
const INSTANCE_NAME_COMMENT = '# SWAS instance name: ';
const NO_SERVER_COMMENT =
  '# No server yet: attach this key pair to a server and HostName is filled in then.';
const INDENT = '  ';
const BACKUP_SUFFIX = '.swas-backup';
const BOM = '\uFEFF';

// ---------------------------------------------------------------------------
// Paths and aliases

/** The SSH config Remote-SSH uses: its `remote.SSH.configFile` setting, else `~/.ssh/config`. */
export function resolveSshConfigPath(remoteSshConfigFile: string | undefined, home: string): string {
  const configured = remoteSshConfigFile?.trim();
  if (!configured) {
    return path.join(home, '.ssh', 'config');
  }
  const expanded = configured === '~' || /^~[/\\]/.test(configured)
    ? path.join(home, configured.slice(1))
    : configured;
  return path.resolve(home, expanded);
}

/** `swas-<name>` made safe as a Host alias: lower case, only [a-z0-9._-]. */
export function defaultAlias(keyPairName: string): string {
  return `swas-${keyPairName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`;
}

function isConcreteHostName(name: string): boolean {
  return name.length > 0 && !/[*?]/.test(name) && !name.startsWith('!');
}

// ---------------------------------------------------------------------------
// Structure of a config text

interface LocatedNode {
  /** 0-based physical line (lines end with "\n"). */
  line: number;
  node: Line;
  /** False for a trailing comment that shares its line with a directive. */
  startsLine: boolean;
}

interface BlockRange {
  region: string;
  keyPairName: string;
  beginLine: number;
  endLine: number;
}

interface ConfigStructure {
  /** Text without a leading BOM; all offsets refer to it. */
  body: string;
  bom: string;
  eol: string;
  /** Offset where each line starts, plus `body.length` as a sentinel. */
  lineStarts: number[];
  nodes: LocatedNode[];
  /** Lines where a Host or Match section starts, in order. */
  sectionLines: number[];
  blocks: BlockRange[];
}

function nodeValues(value: string | { val: string }[]): string[] {
  return Array.isArray(value) ? value.map((part) => part.val) : [value];
}

function countNewlines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    count++;
  }
  return count;
}

function isSection(node: Line): node is Section {
  return node.type === LineType.DIRECTIVE && 'config' in node;
}

/** updateSshConfig looks at the same text several times; parsing a large config is the slow part. */
let lastAnalyzed: { text: string; structure: ConfigStructure } | undefined;

function analyze(text: string): ConfigStructure {
  if (lastAnalyzed?.text !== text) {
    lastAnalyzed = { text, structure: analyzeUncached(text, 'needed') };
  }
  return lastAnalyzed.structure;
}

function parseError(error: unknown): SshConfigError {
  return new SshConfigError(
    'UNPARSEABLE',
    `The SSH config cannot be parsed (${error instanceof Error ? error.message : String(error)}); fix it first.`,
    { cause: error },
  );
}

/** The whole text through ssh-config, every directive located. */
function locateEveryLine(body: string): { nodes: LocatedNode[]; sectionLines: number[] } {
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(body);
  } catch (error) {
    throw parseError(error);
  }

  // ssh-config keeps every line break in `before`/`after` (and, for a keyword
  // without a value, in `param`), so counting them gives each node's line.
  const nodes: LocatedNode[] = [];
  const sectionLines: number[] = [];
  let line = 0;
  let lastLineWithNode = -1;
  const visit = (node: Line): void => {
    line += countNewlines(node.before);
    if (node.type === LineType.DIRECTIVE && node.param.includes('\n')) {
      throw new SshConfigError(
        'UNPARSEABLE',
        `The SSH config has a keyword without a value near line ${line + 1}; fix it first.`,
      );
    }
    if (node.type !== LineType.EMPTY) {
      nodes.push({ line, node, startsLine: line !== lastLineWithNode });
      lastLineWithNode = line;
    }
    if (isSection(node)) {
      sectionLines.push(line);
    }
    line += countNewlines(node.after);
    if (isSection(node)) {
      node.config.forEach(visit);
    }
  };
  parsed.forEach(visit);
  return { nodes, sectionLines };
}

/**
 * A `Keyword value` line that ssh-config reads as one plain directive and can never fail on: no
 * quote, backslash, `#` or `=`, and a value on the same line. Sticky: tested at a line start.
 */
const PLAIN_DIRECTIVE = /[ \t]*[A-Za-z][A-Za-z0-9]*[ \t]+[^\s"\\#=][^"\\#=\r\n]*(?=\r?\n|$)/y;
const SECTION_AT = /[ \t]*(?:host|match)[ \t=]/iy;
/** `Host name…` as ssh-config reads it, when no name needs quoting rules. */
const PLAIN_HOST = /^[ \t]*(host)[ \t]+([^\s"\\#=]+(?:[ \t]+[^\s"\\#=]+)*)[ \t]*$/i;
const COMMENT = /^\s*#[^\r]*$/;
/**
 * A line ssh-config reads without looking at the next one: blank, a comment, or a keyword and a
 * separator followed by something on the same line (a keyword alone swallows the line break).
 */
const SELF_CONTAINED = /^\s*(?:$|#|[^ \t=\r\n]+(?=[ \t=])[^\S\r\n]*=?[^\S\r\n]*\S)/;
const BLANK = /^\s*$/;
const LEADING_SPACE = /^\s*/;

/** The nodes ssh-config makes of one self-contained line, without parsing the common shapes. */
function lineNodes(content: string): Line[] {
  if (COMMENT.test(content)) {
    const comment: Line = { type: LineType.COMMENT, content: content.replace(LEADING_SPACE, ''), before: '', after: '' };
    return [comment];
  }
  const host = PLAIN_HOST.exec(content);
  if (host) {
    const names = host[2].split(/[ \t]+/);
    const section: Section = {
      type: LineType.DIRECTIVE,
      param: host[1],
      separator: ' ',
      value: names.length > 1 ? names.map((val) => ({ val, separator: ' ', quoted: false })) : names[0],
      before: '',
      after: '',
      config: new SSHConfig(),
    };
    return [section];
  }
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(content);
  } catch (error) {
    throw parseError(error);
  }
  const flat: Line[] = [];
  const add = (node: Line): void => {
    flat.push(node);
    if (isSection(node)) {
      node.config.forEach(add);
    }
  };
  parsed.forEach(add);
  return flat;
}

/**
 * ssh-config walks every character with regular expressions, which dominates the cost on large
 * configs, yet the structure only reads top-level lines, Host/Match lines, comments (markers) and
 * what is inside our markers. So this scans line by line, skips plain directives inside the user's
 * sections, builds comment and plain Host nodes itself, and gives every other line to ssh-config
 * (which fails on the same lines as for the whole text). Undefined when a line's meaning depends
 * on the next one: then only parsing the whole text is faithful.
 */
function locateNeededLines(body: string, lineStarts: number[]): { nodes: LocatedNode[]; sectionLines: number[] } | undefined {
  const nodes: LocatedNode[] = [];
  const sectionLines: number[] = [];
  let inSections = false;
  let inMarkers = false;
  for (let line = 0; line < lineStarts.length - 1; line++) {
    const start = lineStarts[line];
    const next = lineStarts[line + 1];
    if (inSections && !inMarkers) {
      PLAIN_DIRECTIVE.lastIndex = start;
      SECTION_AT.lastIndex = start;
      if (PLAIN_DIRECTIVE.test(body) && !SECTION_AT.test(body)) {
        continue;
      }
    }
    let contentEnd = next;
    if (body[contentEnd - 1] === '\n') {
      contentEnd -= contentEnd - 2 >= start && body[contentEnd - 2] === '\r' ? 2 : 1;
    }
    const content = body.slice(start, contentEnd);
    if (!SELF_CONTAINED.test(content)) {
      return undefined;
    }
    if (BLANK.test(content)) {
      continue;
    }
    lineNodes(content).forEach((node, index) => {
      nodes.push({ line, node, startsLine: index === 0 });
      if (isSection(node)) {
        sectionLines.push(line);
        inSections = true;
      } else if (index === 0 && node.type === LineType.COMMENT) {
        const marker = MARKER_PATTERN.exec(node.content);
        inMarkers = marker ? marker[1] === 'BEGIN' : inMarkers;
      }
    });
  }
  return { nodes, sectionLines };
}

/** 'needed' locates what the structure reads (see locateNeededLines); 'every' each directive too. */
function analyzeUncached(text: string, lines: 'needed' | 'every'): ConfigStructure {
  const bom = text.startsWith(BOM) ? BOM : '';
  const body = text.slice(bom.length);
  const firstNewline = body.indexOf('\n');
  const eol = firstNewline > 0 && body[firstNewline - 1] === '\r' ? '\r\n' : '\n';

  const lineStarts = [0];
  for (let index = body.indexOf('\n'); index !== -1; index = body.indexOf('\n', index + 1)) {
    lineStarts.push(index + 1);
  }
  if (lineStarts[lineStarts.length - 1] !== body.length) {
    lineStarts.push(body.length);
  }

  const { nodes, sectionLines } = (lines === 'needed' ? locateNeededLines(body, lineStarts) : undefined) ?? locateEveryLine(body);
  return { body, bom, eol, lineStarts, nodes, sectionLines, blocks: findBlockRanges(nodes) };
}

function findBlockRanges(nodes: LocatedNode[]): BlockRange[] {
  const blocks: BlockRange[] = [];
  const seen = new Set<string>();
  let open: { region: string; keyPairName: string; line: number } | undefined;
  for (const { line, node, startsLine } of nodes) {
    if (node.type !== LineType.COMMENT || !startsLine) {
      continue;
    }
    const marker = MARKER_PATTERN.exec(node.content);
    if (!marker) {
      continue;
    }
    const [, kind, region, keyPairName] = marker;
    const id = `${region}/${keyPairName}`;
    if (kind === 'BEGIN') {
      if (open) {
        throw new SshConfigError(
          'MARKERS_UNBALANCED',
          `SWAS block ${open.region}/${open.keyPairName} (line ${open.line + 1}) has no END marker before the BEGIN marker of ${id} (line ${line + 1}).`,
        );
      }
      open = { region, keyPairName, line };
    } else {
      if (!open) {
        throw new SshConfigError(
          'MARKERS_UNBALANCED',
          `END marker of SWAS block ${id} (line ${line + 1}) has no BEGIN marker.`,
        );
      }
      if (open.region !== region || open.keyPairName !== keyPairName) {
        throw new SshConfigError(
          'MARKERS_UNBALANCED',
          `SWAS block ${open.region}/${open.keyPairName} (line ${open.line + 1}) is closed by the END marker of ${id} (line ${line + 1}).`,
        );
      }
      if (seen.has(id)) {
        throw new SshConfigError('MARKERS_DUPLICATED', `SWAS block ${id} appears more than once.`);
      }
      seen.add(id);
      blocks.push({ region, keyPairName, beginLine: open.line, endLine: line });
      open = undefined;
    }
  }
  if (open) {
    throw new SshConfigError(
      'MARKERS_UNBALANCED',
      `SWAS block ${open.region}/${open.keyPairName} (line ${open.line + 1}) has no END marker.`,
    );
  }
  return blocks;
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
      block.identityFile = value;
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
 * Concrete Host names (no patterns or negations, lower-cased as OpenSSH matches them)
 * written by the user, i.e. outside every SWAS managed block.
 */
export function existingAliases(text: string): Set<string> {
  const structure = analyze(text);
  return hostNamesWhere(structure, (line) => !structure.blocks.some((range) => inRange(range, line)));
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

function configValue(keyword: string, value: string): string {
  if (value.length === 0 || /["\r\n]/.test(value)) {
    throw new TypeError(`${keyword} value ${JSON.stringify(value)} cannot be written to an SSH config.`);
  }
  return /[\s#]/.test(value) ? `"${value}"` : value;
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
      ? `${INDENT}HostName ${configValue('HostName', host.hostName)}`
      : `${INDENT}${NO_SERVER_COMMENT}`);
    lines.push(`${INDENT}User ${configValue('User', block.user)}`);
    lines.push(`${INDENT}IdentityFile ${configValue('IdentityFile', block.identityFile)}`);
    lines.push(`${INDENT}IdentitiesOnly yes`);
  }
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
 * Where a new block goes. OpenSSH takes the first value it finds per keyword, so the
 * block must precede every Host/Match section that could match our alias; we put it
 * before the first section of all. Top-level lines before that (global options, and
 * `Include`s) stay above it: global options are meant for every host, and moving our
 * Host line above an `Include` would pull that Include (and any later global line)
 * into our Host section, breaking the user's other hosts. The price: a section inside
 * an included file can win over our values; the post-write `ssh -G` check catches that
 * and rolls back. Comment lines directly above the first section describe it, so the
 * block goes above them.
 */
function insertionLine(structure: ConfigStructure): number | undefined {
  const firstSection = structure.sectionLines[0];
  if (firstSection === undefined) {
    return undefined;
  }
  const containing = structure.blocks.find((range) => firstSection >= range.beginLine && firstSection <= range.endLine);
  let line = containing ? containing.beginLine : firstSection;
  const commentOnlyLines = new Set<number>();
  for (const { line: nodeLine, node, startsLine } of structure.nodes) {
    if (nodeLine >= line) {
      break;
    }
    if (startsLine && node.type === LineType.COMMENT && !MARKER_PATTERN.test(node.content)) {
      commentOnlyLines.add(nodeLine);
    } else {
      commentOnlyLines.delete(nodeLine);
    }
  }
  while (line > 0 && commentOnlyLines.has(line - 1)) {
    line--;
  }
  return line;
}

function splice(structure: ConfigStructure, start: number, end: number, insert: string): string {
  return structure.bom + structure.body.slice(0, start) + insert + structure.body.slice(end);
}

/** Replaces `block`'s key pair block in place, or inserts it before the first Host/Match section. */
export function applyManagedBlock(text: string, block: ManagedBlock): string {
  const structure = analyze(text);
  const rendered = renderBlock(block, structure.eol);
  const existing = structure.blocks.find(
    (range) => range.region === block.region && range.keyPairName === block.keyPairName,
  );
  if (existing) {
    // The END line keeps its own line ending (or lack of one).
    return splice(structure, structure.lineStarts[existing.beginLine], lineContentEnd(structure, existing.endLine), rendered);
  }
  const line = insertionLine(structure);
  if (line !== undefined) {
    const offset = structure.lineStarts[line];
    return splice(structure, offset, offset, rendered + structure.eol + structure.eol);
  }
  const { body, eol } = structure;
  if (body.length === 0 || body.endsWith('\n')) {
    return splice(structure, body.length, body.length, rendered + eol);
  }
  // Keep the file's missing final newline: end with our END line instead.
  return splice(structure, body.length, body.length, eol + rendered);
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
function locateDirective(text: string, keyword: string, value: string): number | undefined {
  // Only after a failed check: the directive may be one analyze() leaves unparsed.
  const structure = analyzeUncached(text, 'every');
  const found = structure.nodes.find(({ node }) =>
    node.type === LineType.DIRECTIVE
    && node.param.toLowerCase() === keyword
    && nodeValues(node.value).join(' ') === value);
  return found && found.line + 1;
}

// ---------------------------------------------------------------------------
// Writing the file

export interface UpdateSshConfigOptions {
  region: string;
  keyPairName: string;
  /** Check the result with `ssh -G` and roll back if OpenSSH resolves other values (default true). */
  verify?: boolean;
  logger?: Logger;
}

export interface UpdateSshConfigResult {
  block?: ManagedBlock;
  /** Copy of the previous file (absent when the file was created). */
  backupPath?: string;
  /** 'skipped-no-ssh' also when `verify: false` was asked for. */
  verified: 'ok' | 'skipped-no-ssh';
  created: boolean;
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The file a config path really names: symlinks are followed, even dangling ones. */
async function resolveTarget(configPath: string): Promise<string> {
  let current = path.resolve(configPath);
  for (let hops = 0; hops < 40; hops++) {
    try {
      return await fs.realpath(current);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') {
        throw error;
      }
    }
    let link: string;
    try {
      link = await fs.readlink(current);
    } catch {
      // Not a symlink: the file itself is missing and will be created here.
      return path.join(await fs.realpath(path.dirname(current)).catch(() => path.dirname(current)), path.basename(current));
    }
    current = path.resolve(path.dirname(current), link);
  }
  throw new SshConfigError('IO', `${configPath} is a symlink loop.`, { path: configPath });
}

async function readConfig(target: string): Promise<{ text: string; mode?: number; uid?: number; gid?: number }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(target);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      return { text: '' };
    }
    throw new SshConfigError('IO', `Cannot read ${target}: ${String(error)}`, { path: target, cause: error });
  }
  const stat = await fs.stat(target);
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    // Re-encoding would alter the bytes we promise to keep.
    throw new SshConfigError('IO', `${target} is not UTF-8 text; not editing it.`, { path: target });
  }
  return { text, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
}

async function writeFileDurably(
  file: string,
  text: string,
  mode: number,
  owner: { uid?: number; gid?: number },
  flag: 'w' | 'wx',
): Promise<void> {
  const handle = await fs.open(file, flag, mode);
  try {
    // open() applies the umask; the mode must match the config exactly.
    await handle.chmod(mode);
    if (process.getuid?.() === 0 && owner.uid !== undefined && owner.gid !== undefined) {
      await handle.chown(owner.uid, owner.gid);
    }
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes via a temp file in the same folder and a rename, so readers never see half a file. */
async function replaceAtomically(
  target: string,
  text: string,
  mode: number,
  owner: { uid?: number; gid?: number },
): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.swas-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFileDurably(temp, text, mode, owner, 'wx');
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw new SshConfigError(
      'IO',
      `Cannot replace ${target} (${errnoCode(error) ?? String(error)}): its folder or the file is not writable. Nothing was changed.`,
      { path: target, cause: error },
    );
  }
  try {
    const folder = await fs.open(path.dirname(target), 'r');
    await folder.sync().finally(() => folder.close());
  } catch {
    // Folder fsync is not possible on every platform (Windows); the rename itself is done.
  }
}

function expandTilde(value: string, home: string): string {
  return value === '~' || value.startsWith('~/') ? path.join(home, value.slice(1)) : value;
}

function sameIdentityFile(resolved: string, ours: string): boolean {
  // ssh -G may or may not expand "~", and OpenSSH may take home from $HOME or from passwd.
  const homes = [os.homedir(), os.userInfo().homedir];
  return homes.some((home) => expandTilde(resolved, home) === expandTilde(ours, home));
}

/**
 * ssh -G itself could not be started. Asking `ssh -V` first cost one more process on every
 * update, the largest part of the write after the network calls.
 */
function sshMissing(error: unknown): boolean {
  const started = error instanceof SshConfigError ? error.cause : undefined;
  return errnoCode(started instanceof Error ? started.cause : undefined) === 'ENOENT';
}

async function verifyBlock(configPath: string, text: string, block: ManagedBlock): Promise<void> {
  for (const host of block.hosts) {
    let resolved: Map<string, string[]>;
    try {
      resolved = await sshG(host.alias, configPath);
    } catch (error) {
      throw new SshConfigError(
        'VERIFY_FAILED',
        `OpenSSH could not read the updated config: ${error instanceof Error ? error.message : String(error)}`,
        { path: configPath, cause: error },
      );
    }
    const problems: string[] = [];
    const describeSource = (keyword: string, value: string): string => {
      const line = locateDirective(text, keyword, value);
      return line ? `from line ${line}` : 'from an Include\'d file or an earlier Host/Match section';
    };
    const hostName = resolved.get('hostname')?.[0];
    if (host.hostName && hostName?.toLowerCase() !== host.hostName.toLowerCase()) {
      problems.push(`hostname ${hostName} (${describeSource('hostname', hostName ?? '')}) instead of ${host.hostName}`);
    }
    const user = resolved.get('user')?.[0];
    if (user !== block.user) {
      problems.push(`user ${user} (${describeSource('user', user ?? '')}) instead of ${block.user}`);
    }
    const identityFiles = resolved.get('identityfile') ?? [];
    if (!identityFiles.some((file) => sameIdentityFile(file, block.identityFile))) {
      problems.push(`identityfile ${identityFiles.join(', ') || '(none)'} instead of ${block.identityFile}`);
    }
    if (problems.length > 0) {
      throw new SshConfigError(
        'VERIFY_FAILED',
        `OpenSSH resolves ${host.alias} to ${problems.join('; ')}. The previous config was restored.`,
        { path: configPath },
      );
    }
  }
}

/**
 * Read-modify-write of one key pair's block under an inter-process lock: `change`
 * gets the current block (or undefined) and returns the new one, or undefined to
 * remove it. Writes a `<config>.swas-backup` first, replaces the file atomically
 * (through a symlink, keeping mode), then checks the result with `ssh -G` and
 * restores the previous content if OpenSSH disagrees. On any error the file is unchanged.
 */
export async function updateSshConfig(
  configPath: string,
  change: (current: ManagedBlock | undefined, text: string) => ManagedBlock | undefined,
  options: UpdateSshConfigOptions,
): Promise<UpdateSshConfigResult> {
  const logger = options.logger ?? silentLogger;
  const target = await resolveTarget(configPath);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw new SshConfigError('IO', `Cannot create the folder of ${target}: ${String(error)}`, { path: target, cause: error });
  });

  return withConfigLock(target, async () => {
    const original = await readConfig(target);
    const created = original.mode === undefined;
    const current = findManagedBlock(original.text, options.region, options.keyPairName);
    const next = change(current, original.text);
    const text = next
      ? applyManagedBlock(original.text, next)
      : removeManagedBlock(original.text, options.region, options.keyPairName);
    const mode = original.mode ?? 0o600;
    const owner = { uid: original.uid, gid: original.gid };

    let backupPath: string | undefined;
    if (text !== original.text) {
      if (!created) {
        backupPath = target + BACKUP_SUFFIX;
        try {
          await writeFileDurably(backupPath, original.text, mode, owner, 'w');
        } catch (error) {
          throw new SshConfigError(
            'IO',
            `Cannot write the backup ${backupPath} (${errnoCode(error) ?? String(error)}), so ${target} was not changed.`,
            { path: backupPath, cause: error },
          );
        }
        logger.info(`Backed up ${target} to ${backupPath}`);
      }
      await replaceAtomically(target, text, mode, owner);
      logger.info(`${next ? 'Wrote' : 'Removed'} SWAS block ${options.region}/${options.keyPairName} in ${target}`);
    }

    let verified: UpdateSshConfigResult['verified'] = 'skipped-no-ssh';
    if (next && options.verify !== false) {
      try {
        await verifyBlock(target, text, next);
        verified = 'ok';
      } catch (error) {
        if (!sshMissing(error)) {
          if (text !== original.text) {
            if (created) {
              await fs.rm(target, { force: true });
            } else {
              await replaceAtomically(target, original.text, mode, owner);
            }
          }
          logger.error(error instanceof Error ? error : String(error));
          throw error;
        }
        logger.warn('ssh is not on PATH; the SSH config was not checked with ssh -G.');
      }
    } else if (!next) {
      verified = 'ok';
    }
    return { block: next, backupPath, verified, created: created && text !== original.text };
  }, { logger });
}
