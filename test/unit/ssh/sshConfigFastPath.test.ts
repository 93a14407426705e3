import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import SSHConfig, { LineType } from 'ssh-config';
import { analyzeUncached, nodeValues, type ConfigStructure, type LocatedNode } from '../../../src/ssh/sshConfigParse';
import { SshConfigError } from '../../../src/ssh/sshConfigError';

/*
 * The structure the editor reads comes from a line scanner ('needed') that skips the user's plain
 * directives and builds comment and Host nodes itself; 'every' gives the whole text to ssh-config.
 * The scanner is only an optimisation, so on any text both must agree on everything the structure
 * promises: the same section lines and blocks, the same failure, and for every line the editor
 * reads (comments, Host/Match lines, lines before the first section, lines inside our markers)
 * the node ssh-config itself makes of it. The texts are the corpus fixtures and configs built from
 * awkward lines by a seeded generator, so a failure names a text that can be replayed.
 */

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/ssh-config');

/** What ssh-config says about a node, whether the scanner or the full parse built it. */
function described({ line, node, startsLine }: LocatedNode): string {
  if (node.type === LineType.COMMENT) {
    return JSON.stringify({ line, startsLine, comment: node.content });
  }
  if (node.type === LineType.DIRECTIVE) {
    return JSON.stringify({ line, startsLine, param: node.param, value: nodeValues(node.value), section: 'config' in node });
  }
  return JSON.stringify({ line, startsLine, type: node.type });
}

function structureOf(text: string, lines: 'needed' | 'every'): ConfigStructure | { failed: string } {
  try {
    return analyzeUncached(text, lines);
  } catch (error) {
    assert.ok(error instanceof SshConfigError, `only SshConfigError escapes: ${String(error)}`);
    return { failed: `${error.code}: ${error.message}` };
  }
}

/** Lines whose nodes the structure promises: the scanner may report more, never fewer or others. */
function promisedLines(every: ConfigStructure): Set<number> {
  const firstSection = every.sectionLines[0] ?? Infinity;
  const promised = new Set<number>();
  for (const { line, node } of every.nodes) {
    const inBlock = every.blocks.some((b) => line >= b.beginLine && line <= b.endLine);
    if (node.type === LineType.COMMENT || 'config' in node || line < firstSection || inBlock) {
      promised.add(line);
    }
  }
  return promised;
}

/** Returns whether the scanner skipped lines (so it, not the fallback to the full parse, ran). */
function assertSameStructure(text: string): boolean {
  const every = structureOf(text, 'every');
  const needed = structureOf(text, 'needed');
  const label = JSON.stringify(text);
  if ('failed' in every || 'failed' in needed) {
    assert.deepEqual(needed, every, `the same failure for ${label}`);
    return false;
  }
  assert.equal(needed.body, every.body, label);
  assert.equal(needed.bom, every.bom, label);
  assert.equal(needed.eol, every.eol, label);
  assert.deepEqual(needed.lineStarts, every.lineStarts, label);
  assert.deepEqual(needed.sectionLines, every.sectionLines, `section lines of ${label}`);
  assert.deepEqual(needed.blocks, every.blocks, `blocks of ${label}`);
  const full = new Set(every.nodes.map(described));
  for (const node of needed.nodes) {
    assert.ok(full.has(described(node)), `the scanner made ${described(node)}, which ssh-config does not, for ${label}`);
  }
  const scanned = new Set(needed.nodes.map(described));
  const promised = promisedLines(every);
  for (const node of every.nodes.filter((n) => promised.has(n.line))) {
    assert.ok(scanned.has(described(node)), `the scanner missed ${described(node)} for ${label}`);
  }
  return needed.nodes.length < every.nodes.length;
}

/** Lines that ssh-config reads in surprising ways: quoting, `=`, tabs, CR, keywords alone, markers. */
const AWKWARD_LINES = [
  'Host web',
  'Host web db',
  'host\tweb-2\t',
  '  Host  spaced  names  ',
  'Host=eq',
  'Host = eq-spaced',
  'Host "quoted name"',
  'Host a#b',
  'Host !neg *.example',
  'Match host web exec "true"',
  'match all',
  'Match=all',
  '  HostName 10.0.0.1',
  '\tUser root',
  'User=root',
  '  User = root',
  'IdentityFile "~/.ssh/my key.pem"',
  'IdentityFile ~/.ssh/a\\b',
  'ProxyCommand ssh -W %h:%p jump # a comment?',
  'Port 22 ',
  'LocalForward 8080 localhost:80',
  'Compression',
  'ServerAliveInterval',
  '# a comment',
  '   # an indented comment',
  '#',
  '# --- BEGIN SWAS KEY PAIR cn-hangzhou/team ---',
  '# --- END SWAS KEY PAIR cn-hangzhou/team ---',
  '# --- BEGIN SWAS KEY PAIR cn-hangzhou/other (managed) ---',
  '# --- END SWAS KEY PAIR cn-hangzhou/other (managed) ---',
  '#--- BEGIN SWAS KEY PAIR r/x',
  '#--- END SWAS KEY PAIR r/x',
  '',
  '   ',
  '\t',
  'Include ~/.ssh/config.d/*',
  'Host ünïcode',
  'SetEnv FOO="a b"',
  'Ciphers=aes256-ctr,aes128-ctr',
  '"User" root',
];

/** A small deterministic generator (mulberry32), so every generated text can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generatedConfig(seed: number): string {
  const next = random(seed);
  const count = 1 + Math.floor(next() * 14);
  const eol = next() < 0.25 ? '\r\n' : '\n';
  const lines = Array.from({ length: count }, () => AWKWARD_LINES[Math.floor(next() * AWKWARD_LINES.length)]);
  const bom = next() < 0.1 ? '\uFEFF' : '';
  const finalEol = next() < 0.8 ? eol : '';
  return bom + lines.join(eol) + finalEol;
}

describe('the line scanner agrees with ssh-config (analyze needed vs every)', () => {
  test('on every corpus fixture', () => {
    const files = readdirSync(FIXTURES).filter((file) => file.endsWith('.conf'));
    assert.ok(files.length > 30, 'the corpus is there');
    for (const file of files) {
      assertSameStructure(readFileSync(path.join(FIXTURES, file), 'utf8'));
    }
  });

  test('on each awkward line alone, after a Host line, and inside our markers', () => {
    for (const line of AWKWARD_LINES) {
      for (const text of [
        `${line}\n`,
        line,
        `Host first\n${line}\n`,
        `Host first\r\n${line}\r\n`,
        `# --- BEGIN SWAS KEY PAIR r/k ---\nHost swas-k\n${line}\n# --- END SWAS KEY PAIR r/k ---\n`,
        `Host first\n  User me\n# --- BEGIN SWAS KEY PAIR r/k ---\n${line}\n# --- END SWAS KEY PAIR r/k ---\nHost after\n${line}\n`,
      ]) {
        assertSameStructure(text);
      }
    }
  });

  test('on 3000 generated configs (seeds 1 to 3000)', () => {
    let parsedByBoth = 0;
    let scanned = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const text = generatedConfig(seed);
      scanned += assertSameStructure(text) ? 1 : 0;
      try {
        SSHConfig.parse(text);
        parsedByBoth++;
      } catch {
        // a text ssh-config refuses still has to fail the same way in both modes (asserted above)
      }
    }
    assert.ok(parsedByBoth > 1000, `most generated texts are valid configs (${parsedByBoth})`);
    assert.ok(scanned > 150, `the scanner, not the fallback, read many of them (${scanned})`);
  });
});
