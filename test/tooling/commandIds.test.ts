import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SWAS_COMMAND_IDS } from '../../src/commandIds';

const repoRoot = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const sources = fs.readdirSync(path.join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file: path.join('src', file), text: fs.readFileSync(path.join(repoRoot, 'src', file), 'utf8') }));

/** Every `command` a menu of package.json runs, with the menu's name. */
function menuCommands(): { menu: string; command: string; when?: string }[] {
  return Object.entries(manifest.contributes.menus as Record<string, { command: string; when?: string }[]>)
    .flatMap(([menu, items]) => items.map((item) => ({ menu, command: item.command, when: item.when })));
}

/** The context values the tree gives its items (`item.contextValue = …`), template parts expanded. */
function treeContextValues(): string[] {
  const provider = fs.readFileSync(path.join(repoRoot, 'src/tree/provider.ts'), 'utf8');
  const assigned = [...provider.matchAll(/contextValue = (.+);/g)].map((match) => match[1]);
  return assigned.flatMap((expression) => [...expression.matchAll(/'([^']+)'|`([^`]+)`/g)].flatMap((literal) => {
    if (literal[1]) return [literal[1]];
    // `swas.group.${element.group}`: the group names GroupNode allows; `swas.server.${os}`: osFamily's answers
    const filling = literal[2].startsWith('swas.server.') ? ['linux', 'windows', 'unknown'] : ['keyPairs', 'servers'];
    return filling.map((value) => literal[2].replace(/\$\{[^}]+\}/, value));
  }));
}

describe('the command registry and package.json agree', () => {
  test('the registry lists exactly the commands package.json contributes, once each', () => {
    const contributed = (manifest.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.deepEqual([...contributed].sort(), [...SWAS_COMMAND_IDS].sort());
    assert.equal(new Set(contributed).size, contributed.length, 'a command contributed twice');
  });

  test('every menu item and walkthrough completion event names a command of the registry', () => {
    const unknown = menuCommands().filter(({ command }) => !SWAS_COMMAND_IDS.includes(command as never));
    assert.deepEqual(unknown, []);
    const events = (manifest.contributes.walkthroughs as { steps: { completionEvents?: string[] }[] }[])
      .flatMap((walkthrough) => walkthrough.steps.flatMap((step) => step.completionEvents ?? []))
      .filter((event) => event.startsWith('onCommand:'))
      .map((event) => event.slice('onCommand:'.length));
    assert.ok(events.length > 0);
    assert.deepEqual(events.filter((command) => !SWAS_COMMAND_IDS.includes(command as never)), []);
  });

  test('every viewItem a when clause tests is a context value the tree sets, and the other way round', () => {
    const values = treeContextValues();
    assert.ok(values.includes('swas.keyPair.local') && values.includes('swas.server.linux'), `read from the tree: ${values.join(', ')}`);
    const tested = new Set<string>();
    for (const { menu, command, when } of menuCommands().filter((item) => item.when?.includes('viewItem'))) {
      for (const clause of when!.matchAll(/viewItem (==|=~) (\S+)/g)) {
        const matches = clause[1] === '==' ? values.filter((value) => value === clause[2])
          : values.filter((value) => new RegExp(clause[2].replace(/^\/|\/$/g, '').replace(/\\\\/g, '\\')).test(value));
        assert.ok(matches.length > 0, `${menu} › ${command}: "${clause[0]}" matches no tree item (${values.join(', ')})`);
        matches.forEach((value) => tested.add(value));
      }
    }
    const withoutMenu = values.filter((value) => !tested.has(value) && !/^swas\.(group|message)/.test(value));
    assert.deepEqual(withoutMenu, [], 'a tree item kind no menu uses: a typo on one side?');
  });

  // that none is registered or run around the registry is an ESLint rule (eslint.config.mjs)
  test('each command is registered once, through the registry', () => {
    const registered = sources.flatMap(({ text }) => [...text.matchAll(/registerSwasCommand\(\s*services,\s*'([^']+)'/g)].map((match) => match[1]));
    assert.deepEqual([...registered].sort(), [...SWAS_COMMAND_IDS].sort());
    const named = sources.flatMap(({ text }) => [...text.matchAll(/command: '(swas\.[A-Za-z]+)'/g)].map((match) => match[1]));
    assert.deepEqual(named.filter((command) => !SWAS_COMMAND_IDS.includes(command as never)), [], 'a tree item runs a command the registry does not have');
  });
});
