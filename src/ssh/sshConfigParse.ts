import SSHConfig, { Line, LineType, Section } from 'ssh-config';
import { SshConfigError } from './sshConfigError';

/*
 * Where every line of an SSH config text is, as far as the block editor needs to know: parsing only,
 * no editing. See sshConfigText.ts for the managed blocks built on it.
 */

export const MARKER_PATTERN = /^#\s*---\s*(BEGIN|END) SWAS KEY PAIR\s+([^\s/]+)\/(\S+)/;
const BOM = '\uFEFF';

export interface LocatedNode {
  /** 0-based physical line (lines end with "\n"). */
  line: number;
  node: Line;
  /** False for a trailing comment that shares its line with a directive. */
  startsLine: boolean;
}

export interface BlockRange {
  region: string;
  keyPairName: string;
  beginLine: number;
  endLine: number;
}

export interface ConfigStructure {
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

export function nodeValues(value: string | { val: string }[]): string[] {
  return Array.isArray(value) ? value.map((part) => part.val) : [value];
}

function countNewlines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    count++;
  }
  return count;
}

export function isSection(node: Line): node is Section {
  return node.type === LineType.DIRECTIVE && 'config' in node;
}

/** updateSshConfig looks at the same text several times; parsing a large config is the slow part. */
let lastAnalyzed: { text: string; structure: ConfigStructure } | undefined;

export function analyze(text: string): ConfigStructure {
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
export function analyzeUncached(text: string, lines: 'needed' | 'every'): ConfigStructure {
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
