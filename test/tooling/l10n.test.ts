// Localization checks: the English bundle is what l10n-dev extracts from src/, every English string
// has a zh-cn translation with the same placeholders, package.json's texts all come from
// package.nls*.json, and no user-visible string in src/ bypasses vscode.l10n.t.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { getL10nJson } from '@vscode/l10n-dev';
import ts from 'typescript';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const SRC = path.join(REPO_ROOT, 'src');
const HAN = /\p{Script=Han}/u;
/** Kept as they are in Chinese: product names. */
const SAME_IN_CHINESE = new Set(['viewsContainer.swas']);

type Messages = Record<string, string>;

function readJson(relativePath: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, relativePath), 'utf8'));
}

/** A bundle maps the English text to its translation, either plain or as { message, comment }. */
function readBundle(relativePath: string): Messages {
  const raw = readJson(relativePath) as Record<string, string | { message: string }>;
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, typeof value === 'string' ? value : value.message]));
}

function sourceFiles(): string[] {
  return fs
    .readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .map((file) => path.join(SRC, file));
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort();
}

/** Parts a translator must copy unchanged: command links, `code` (setting ids, paths) and swas.* setting names. */
function untranslatable(text: string): string[] {
  return [...text.matchAll(/\(command:[^)]+\)|`[^`]+`|\bswas\.[A-Za-z]+/g)].map((m) => m[0]).sort();
}

/** Problems between an English message table and its translation; empty when they agree. */
export function translationProblems(english: Messages, chinese: Messages): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(english)) {
    const translated = chinese[key];
    if (translated === undefined) {
      problems.push(`missing translation: ${JSON.stringify(key)}`);
      continue;
    }
    if (!SAME_IN_CHINESE.has(key) && !HAN.test(translated)) {
      problems.push(`not translated: ${JSON.stringify(key)} → ${JSON.stringify(translated)}`);
    }
    if (placeholders(english[key]).join() !== placeholders(translated).join()) {
      problems.push(`placeholders differ: ${JSON.stringify(english[key])} vs ${JSON.stringify(translated)}`);
    }
    if (untranslatable(english[key]).join('\n') !== untranslatable(translated).join('\n')) {
      problems.push(`links, code or setting ids differ: ${JSON.stringify(english[key])} vs ${JSON.stringify(translated)}`);
    }
  }
  for (const key of Object.keys(chinese).filter((k) => !(k in english))) {
    problems.push(`translation of a string that no longer exists: ${JSON.stringify(key)}`);
  }
  return problems;
}

// ---- Strings in src/ that bypass vscode.l10n.t ----

/** Properties whose value the user reads (quick picks, input boxes, tree items, dialogs, prompter options, UserMessage). */
const TEXT_PROPERTIES = new Set(['text', 'label', 'description', 'detail', 'title', 'placeholder', 'placeHolder', 'prompt', 'tooltip', 'validationMessage', 'initialError', 'saveLabel', 'openLabel']);
/** Prompter methods → indexes of their text arguments (`message` starts with the severity). */
const PROMPTER_TEXT_ARGUMENTS: Record<string, (index: number) => boolean> = {
  message: (i) => i >= 1,
  confirm: () => true,
  progress: (i) => i === 0,
  saveDialog: (i) => i === 1,
  openDialog: (i) => i === 0,
};
const WINDOW_MESSAGE = /^show(Information|Warning|Error)Message$|^setStatusBarMessage$/;
/** Constructors whose first argument is shown as is. */
const TEXT_CONSTRUCTORS = new Set(['TreeItem', 'MessageNode']);

/**
 * Ids, paths, codicons and setting names are not prose: one token with a dot, slash, colon, tilde,
 * `$`, digit or inner capital (`swas.signIn`, `~/.ssh`, `$(key)`, `loading~spin`, `camelCase`).
 */
function isProse(text: string): boolean {
  if (!/\p{L}/u.test(text)) return false;
  return /\s/.test(text.trim()) || !/[._/:~$@#\d-]|[a-z][A-Z]/.test(text);
}

function isL10nCall(node: ts.Node): node is ts.CallExpression {
  return ts.isCallExpression(node) && node.expression.getText() === 'vscode.l10n.t';
}

/** Literal prose inside an expression that reaches the user: every branch of ?:, +, ??, || and arrays joined. */
function literalProse(expression: ts.Expression): ts.Node[] {
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) {
    return isProse(expression.text) ? [expression] : [];
  }
  if (ts.isTemplateExpression(expression)) {
    const staticText = [expression.head.text, ...expression.templateSpans.map((s) => s.literal.text)].join(' ');
    return [...(isProse(staticText) ? [expression] : []), ...expression.templateSpans.flatMap((s) => literalProse(s.expression))];
  }
  if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isNonNullExpression(expression)) {
    return literalProse(expression.expression);
  }
  if (ts.isConditionalExpression(expression)) {
    return [...literalProse(expression.whenTrue), ...literalProse(expression.whenFalse)];
  }
  if (ts.isBinaryExpression(expression) && [ts.SyntaxKind.PlusToken, ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(expression.operatorToken.kind)) {
    return [...literalProse(expression.left), ...literalProse(expression.right)];
  }
  if (ts.isArrayLiteralExpression(expression)) {
    return expression.elements.flatMap((e) => (ts.isSpreadElement(e) ? literalProse(e.expression) : literalProse(e)));
  }
  if (ts.isCallExpression(expression) && ts.isPropertyAccessExpression(expression.expression) && expression.expression.name.text === 'join') {
    return literalProse(expression.expression.expression);
  }
  return [];
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** The user-visible strings of one source file that are not wrapped in vscode.l10n.t, as `line: text`. */
export function l10nBypasses(fileName: string, sourceText: string): string[] {
  const source = ts.createSourceFile(fileName, sourceText, ts.ScriptTarget.ES2022, true);
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if (isL10nCall(node)) {
      // l10n-dev only extracts literal messages; anything else would never be translated.
      const message = node.arguments[0];
      if (!message || !(ts.isStringLiteral(message) || ts.isNoSubstitutionTemplateLiteral(message))) {
        found.push(node);
      }
      return;
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const receiver = node.expression.expression.getText();
      const isTextArgument = /(^|\.)prompter$/.test(receiver) ? PROMPTER_TEXT_ARGUMENTS[method] : undefined;
      if (isTextArgument) {
        node.arguments.forEach((argument, index) => isTextArgument(index) && found.push(...literalProse(argument)));
      }
      if (receiver === 'vscode.window' && WINDOW_MESSAGE.test(method)) {
        node.arguments.forEach((argument) => found.push(...literalProse(argument)));
      }
    }
    if (ts.isNewExpression(node)) {
      const constructorName = ts.isPropertyAccessExpression(node.expression) ? node.expression.name.text : node.expression.getText();
      const first = node.arguments?.[0];
      if (TEXT_CONSTRUCTORS.has(constructorName) && first) {
        found.push(...literalProse(first));
      }
    }
    if (ts.isPropertyAssignment(node) && TEXT_PROPERTIES.has(propertyName(node.name) ?? '')) {
      found.push(...literalProse(node.initializer));
    }
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      TEXT_PROPERTIES.has(node.left.name.text)
    ) {
      found.push(...literalProse(node.right));
    }
    // File-dialog filters: each key is a label such as "Public keys".
    if (ts.isPropertyAssignment(node) && propertyName(node.name) === 'filters' && ts.isObjectLiteralExpression(node.initializer)) {
      for (const filter of node.initializer.properties) {
        const label = filter.name && propertyName(filter.name as ts.PropertyName);
        if (label !== undefined && isProse(label)) found.push(filter);
      }
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'openDialog') {
      const filters = node.arguments[2];
      if (filters && ts.isObjectLiteralExpression(filters)) {
        for (const filter of filters.properties) {
          const label = filter.name && propertyName(filter.name as ts.PropertyName);
          if (label !== undefined && isProse(label)) found.push(filter);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.map((node) => `${path.basename(fileName)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`);
}

// ---- package.json ----

/** Every text package.json shows (manifest, commands, settings, views, walkthrough), with where it is. */
function manifestTexts(manifest: Record<string, any>): Array<[string, string]> {
  const texts: Array<[string, string]> = [
    ['displayName', manifest.displayName],
    ['description', manifest.description],
    ['capabilities.untrustedWorkspaces.description', manifest.capabilities?.untrustedWorkspaces?.description],
  ];
  const contributes = manifest.contributes ?? {};
  for (const command of contributes.commands ?? []) texts.push([`command ${command.command}`, command.title]);
  for (const [id, setting] of Object.entries<Record<string, string>>(contributes.configuration?.properties ?? {})) {
    texts.push([`setting ${id}`, setting.markdownDescription ?? setting.description]);
  }
  for (const container of Object.values<Array<Record<string, string>>>(contributes.viewsContainers ?? {}).flat()) texts.push([`views container ${container.id}`, container.title]);
  for (const view of Object.values<Array<Record<string, string>>>(contributes.views ?? {}).flat()) texts.push([`view ${view.id}`, view.name]);
  for (const welcome of contributes.viewsWelcome ?? []) texts.push([`welcome of ${welcome.view}`, welcome.contents]);
  for (const walkthrough of contributes.walkthroughs ?? []) {
    texts.push([`walkthrough ${walkthrough.id}`, walkthrough.title], [`walkthrough ${walkthrough.id} description`, walkthrough.description]);
    for (const step of walkthrough.steps ?? []) {
      texts.push([`step ${step.id}`, step.title], [`step ${step.id} description`, step.description]);
      if (step.media?.altText !== undefined) texts.push([`step ${step.id} altText`, step.media.altText]);
    }
  }
  return texts;
}

describe('l10n bundles', () => {
  const english = readBundle('l10n/bundle.l10n.json');
  const chinese = readBundle('l10n/bundle.l10n.zh-cn.json');

  test('l10n/bundle.l10n.json is exactly what l10n-dev extracts from src/ now', async () => {
    const extracted = await getL10nJson(sourceFiles().map((file) => ({ extension: '.ts', contents: fs.readFileSync(file, 'utf8') })));
    assert.ok(Object.keys(extracted).length > 100, 'extraction found almost nothing: is src/ still using vscode.l10n.t?');
    assert.deepEqual(english, extracted, 'run `npx @vscode/l10n-dev export --outDir ./l10n ./src` and translate the new strings');
  });

  test('zh-cn translates every English string, with the same placeholders, and nothing else', () => {
    assert.deepEqual(translationProblems(english, chinese), []);
  });

  test('every translation keeps the placeholders the code fills in', () => {
    for (const [key, text] of Object.entries(english)) {
      assert.deepEqual(placeholders(text), placeholders(key), `${key}: the English text must be the key`);
    }
  });
});

describe('package.nls', () => {
  const manifest = readJson('package.json') as Record<string, any>;
  const english = readJson('package.nls.json') as Messages;
  const chinese = readJson('package.nls.zh-cn.json') as Messages;
  const texts = manifestTexts(manifest);

  test('package.json sets l10n to the bundle folder', () => {
    assert.equal(manifest.l10n, './l10n');
  });

  test('every text package.json shows is a %key%', () => {
    const literal = texts.filter(([, text]) => typeof text !== 'string' || !/^%[\w.]+%$/.test(text));
    assert.deepEqual(literal, []);
  });

  test('every %key% in package.json is in package.nls.json and package.nls.zh-cn.json', () => {
    const used = [...JSON.stringify(manifest).matchAll(/"%([\w.]+)%"/g)].map((m) => m[1]);
    assert.ok(used.length >= texts.length);
    assert.deepEqual(used.filter((key) => !(key in english)), [], 'missing from package.nls.json');
    assert.deepEqual(used.filter((key) => !(key in chinese)), [], 'missing from package.nls.zh-cn.json');
    assert.deepEqual(Object.keys(english).filter((key) => !used.includes(key)), [], 'unused keys in package.nls.json');
  });

  test('zh-cn translates every package.nls.json entry, keeping placeholders, links and setting ids', () => {
    assert.deepEqual(translationProblems(english, chinese), []);
  });

  test('each walkthrough step has a command button in its description and completes on a command', () => {
    const steps = manifest.contributes.walkthroughs.flatMap((w: { steps: unknown[] }) => w.steps) as Array<Record<string, any>>;
    assert.ok(steps.length >= 4);
    for (const step of steps) {
      const description = english[step.description.slice(1, -1)];
      const buttons = [...description.matchAll(/^\[[^\]]+\]\(command:([\w.]+)\)$/gm)].map((m) => m[1]);
      assert.ok(buttons.length > 0, `${step.id}: no command button`);
      assert.ok(step.completionEvents.length > 0 && step.completionEvents.every((e: string) => /^onCommand:swas\.\w+$/.test(e)), step.id);
      const commands = manifest.contributes.commands.map((c: { command: string }) => c.command);
      for (const id of [...buttons, ...step.completionEvents.map((e: string) => e.slice('onCommand:'.length))]) {
        assert.ok(commands.includes(id), `${step.id}: ${id} is not a contributed command`);
      }
      assert.ok(fs.existsSync(path.join(REPO_ROOT, step.media.svg ?? step.media.markdown ?? step.media.image)), `${step.id}: media missing`);
    }
  });
});

describe('no user-visible string in src/ bypasses vscode.l10n.t', () => {
  test('src/ has none', () => {
    const bypasses = sourceFiles().flatMap((file) => l10nBypasses(file, fs.readFileSync(file, 'utf8')));
    assert.deepEqual(bypasses, []);
  });

  test('the scan finds literals in messages, prompter calls, picks, tree items and dialogs', () => {
    const offenders = `
      vscode.window.showErrorMessage('Something broke');
      vscode.window.showWarningMessage(vscode.l10n.t('Sure?'), { modal: true }, 'Delete');
      prompter.message('error', ok ? vscode.l10n.t('Fine') : 'Not fine');
      services.prompter.confirm(vscode.l10n.t('Q'), \`Detail for \${name}\`);
      this.services.prompter.progress('Working…', task);
      prompter.quickPick({ title: 'Pick one', placeholder: vscode.l10n.t('P'), items: [{ label: 'Skip', value: 1 }] });
      new vscode.TreeItem('Loading', vscode.TreeItemCollapsibleState.None);
      new MessageNode(\`No key pairs in \${regionId}\`, 'info');
      item.tooltip = ['Created', date].join(' ');
      box.validationMessage = 'Too short';
      prompter.openDialog(vscode.l10n.t('T'), dir, { 'Public keys': ['pub'] });
      vscode.l10n.t(message);
    `;
    assert.equal(l10nBypasses('offenders.ts', offenders).length, 13, l10nBypasses('offenders.ts', offenders).join('\n'));
  });

  test('the scan leaves ids, paths, codicons, separators and wrapped strings alone', () => {
    const clean = `
      prompter.message('error', vscode.l10n.t('Failed: {0}', reason), ACTION_RETRY());
      vscode.commands.executeCommand('workbench.action.openSettings', 'swas.endpoint');
      item.contextValue = 'swas.keyPair.local';
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      item.description = [ip ?? vscode.l10n.t('no public IP'), status].join(' · ');
      item.command = { title: element.text, command: 'swas.signIn' };
      new vscode.TreeItem(element.regionId, vscode.TreeItemCollapsibleState.Expanded);
      prompter.quickPick({ title, placeholder: vscode.l10n.t('Region'), items: regions.map((r) => ({ label: r.regionId, description: r.localName, value: r })) });
      log.warn('ListRegions failed; offering the built-in list.');
      prompter.saveDialog(path.join(dir, \`\${name}.pem\`), saveAs);
      prompter.openDialog(title, dir, { [vscode.l10n.t('Public keys')]: ['pub'] });
      item.description = \`\${used} · \${local}\`;
      item.tooltip = lines.join('\\n');
    `;
    assert.deepEqual(l10nBypasses('clean.ts', clean), []);
  });
});
