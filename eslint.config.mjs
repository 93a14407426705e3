// ESLint (flat config), run by `npm test` (the lint suite) and `npm run lint`. A small rule set, all errors:
// promises that are neither awaited nor handled, and the layers of docs/architecture.md. No style presets.
// test/tooling/lintRules.test.mjs shows each rule flagging a snippet placed where it is forbidden.
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** A module specifier that names a file of src/commands/ (from anywhere under src/). */
const COMMAND_MODULE = '(^|/)commands(/|$)';
const NO_COMMAND_IMPORT = {
  regex: COMMAND_MODULE,
  message: 'Only src/extension.ts wires commands; move the shared step to src/operations/ (or src/local/, src/ui/).',
};

export default defineConfig(
  globalIgnores(['out/', 'dist/', 'coverage/', 'reports/', 'bench-results/', '.vscode-test/', '.stryker-tmp/', 'test/fixtures/', 'scripts/stubs/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.ts', '**/*.mjs'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // types from tsconfig.json; the .mjs files, which it leaves out, from the service's default project (types
        // inferred from the JavaScript). There are about 30 of them; the limit's default of 8 is for a handful.
        projectService: {
          allowDefaultProject: ['*.mjs', 'scripts/*.mjs', 'test/*/*.mjs'],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 64,
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // node:test runs every test() and describe() it is given; the promise they return needs no handling
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/commandRegistry.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        {
          selector: "MemberExpression[property.name='registerCommand']",
          message: 'Register a command with registerSwasCommand (src/commandRegistry.ts): its one error boundary logs and shows what the command did not handle.',
        },
        {
          selector: "CallExpression[callee.property.name='executeCommand'][arguments.0.value=/^swas\\./]",
          message: 'Run our commands with runCommand (src/commandRegistry.ts), whose arguments are checked against the command ids.',
        },
      ],
    },
  },
  {
    files: ['src/cloud/**/*.ts', 'src/ssh/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/cloud/ and src/ssh/ run without VS Code (unit tests, mutation runs): pass what they need in.' }],
      }],
    },
  },
  {
    files: ['src/commands/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { regex: '^\\./', message: 'A command never imports another command: move the shared step to src/operations/.' },
          { ...NO_COMMAND_IMPORT, message: 'A command never imports another command: move the shared step to src/operations/.' },
        ],
      }],
    },
  },
  {
    files: ['src/tree/**/*.ts', 'src/operations/**/*.ts', 'src/local/**/*.ts', 'src/ui/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_COMMAND_IMPORT] }],
    },
  },
);
