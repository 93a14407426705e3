// Line coverage of src/ merged across the unit, integration and UI suites, for `npm test`.
// Every suite runs with NODE_V8_COVERAGE pointing at a raw folder of its own (the suites run side by side); it
// reaches the node:test processes, code-server and the extension host. After each suite, `keepOwnScripts` keeps only the
// entries for our own code and points them at a snapshot of the bundle that ran (the dev bundle in
// dist/ for integration, the packaged production bundle for UI: dist/ is rebuilt in between, and the
// UI host runs the copy installed from the VSIX). Each snapshot carries its esbuild source map with
// absolute source paths, so c8 maps every range back to src/*.ts. `report` then runs c8 over them.
// A narrowed run measures only its own suites; with SWAS_TEST_COVERAGE_DIR=DIR, what each suite
// keeps stays in DIR and the report merges every suite kept there (a rerun replaces that suite's part).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeReadmeFigure } from './readmeFigures.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = path.join(repoRoot, 'dist/extension.js');
const COMPILED_SRC = pathToFileURL(path.join(repoRoot, 'out/src')).href + '/';
/** The bundle as code-server installs it from the VSIX: <extensions-dir>/swas-tools.swas-keypairs-<version>/dist/extension.js */
const ALL_SUITES = ['integration', 'ui', 'unit'];
const INSTALLED_BUNDLE = /\/swas-tools\.swas-keypairs-[^/]+\/dist\/extension\.js$/;

export class CoverageRun {
  constructor(scratch, keepDir = process.env.SWAS_TEST_COVERAGE_DIR) {
    this.root = keepDir ? path.resolve(keepDir) : path.join(scratch, 'coverage');
    this.raw = path.join(this.root, 'raw');
    this.kept = path.join(this.root, 'kept');
    this.bundles = path.join(this.root, 'bundles');
    for (const dir of [this.raw, this.kept, this.bundles]) fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(this.raw, { recursive: true, force: true });
    fs.mkdirSync(this.raw);
  }

  /** The suites with coverage kept, from the file names in `kept`. */
  get suites() {
    return [...new Set(fs.readdirSync(this.kept).map((file) => file.split('-')[0]))].sort();
  }

  /** Environment for a suite's processes. */
  envFor(suite) {
    const raw = path.join(this.raw, suite);
    fs.mkdirSync(raw, { recursive: true });
    return { NODE_V8_COVERAGE: raw };
  }

  /**
   * Copies dist/extension.js and its source map (as they are now) to a folder named `name`,
   * with absolute source paths and a sourceMappingURL comment at the end (offsets unchanged).
   */
  snapshotBundle(name) {
    const mapFile = `${BUNDLE}.map`;
    if (!fs.existsSync(mapFile)) {
      // the suite still runs; only the bundle's part of the coverage is lost, and the report says so
      console.error(`coverage: ${path.relative(repoRoot, mapFile)} is missing: the ${name} suite's bundle coverage is left out`);
      return undefined;
    }
    const dir = path.join(this.bundles, name);
    fs.mkdirSync(dir, { recursive: true });
    const map = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
    map.sources = map.sources.map((source) => path.resolve(path.dirname(BUNDLE), map.sourceRoot ?? '', source));
    delete map.sourceRoot;
    fs.writeFileSync(path.join(dir, 'extension.js.map'), JSON.stringify(map));
    const code = fs.readFileSync(BUNDLE, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '');
    fs.writeFileSync(path.join(dir, 'extension.js'), `${code}\n//# sourceMappingURL=extension.js.map\n`);
    return pathToFileURL(path.join(dir, 'extension.js')).href;
  }

  /**
   * Moves the raw files of the suite that just ran into `kept`, each reduced to our scripts:
   * out/src/** as compiled by tsc, and the bundle (from dist/ or installed from the VSIX), renamed to `bundleUrl`.
   */
  keepOwnScripts(suite, bundleUrl) {
    for (const file of fs.readdirSync(this.kept)) {
      if (file.startsWith(`${suite}-`)) fs.rmSync(path.join(this.kept, file));
    }
    let scripts = 0;
    const raw = path.join(this.raw, suite);
    for (const file of fs.existsSync(raw) ? fs.readdirSync(raw) : []) {
      const rawFile = path.join(raw, file);
      const text = fs.readFileSync(rawFile, 'utf8');
      fs.rmSync(rawFile);
      // most files come from code-server's own processes: skip them before parsing
      if (!text.includes(COMPILED_SRC) && !text.includes('/dist/extension.js')) continue;
      const coverage = JSON.parse(text);
      const result = coverage.result.flatMap((script) => {
        if (script.url.startsWith(COMPILED_SRC)) return [script];
        const isBundle = script.url === pathToFileURL(BUNDLE).href || INSTALLED_BUNDLE.test(script.url);
        return isBundle && bundleUrl ? [{ ...script, url: bundleUrl }] : [];
      });
      if (result.length === 0) continue;
      scripts += result.length;
      // the bundle's map is found through the snapshot's comment; node's cache names the old path
      fs.writeFileSync(path.join(this.kept, `${suite}-${file}`), JSON.stringify({ result }));
    }
    return scripts;
  }

  /**
   * Runs c8 over everything kept; returns the summary line for src/ (or why there is none). With all
   * three suites kept, the figure also goes into CONTRIBUTING.md (between its figure:coverage markers).
   */
  report() {
    const reportDir = path.join(repoRoot, 'coverage');
    fs.rmSync(reportDir, { recursive: true, force: true });
    const c8 = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/c8/bin/c8.js'), 'report',
      '--temp-directory', this.kept, '--report-dir', reportDir, '--reporter', 'json-summary', '--reporter', 'html',
      '--all', '--src', path.join(repoRoot, 'src'), '--include', 'src/**/*.ts', '--exclude-after-remap',
      '--extension', '.ts', '--exclude', 'src/**/*.d.ts'], { cwd: repoRoot, encoding: 'utf8' });
    if (c8.status !== 0) return `coverage: c8 report failed (exit ${c8.status}): ${c8.stderr.trim()}`;
    const { lines } = JSON.parse(fs.readFileSync(path.join(reportDir, 'coverage-summary.json'), 'utf8')).total;
    const from = this.suites.length ? this.suites.join(' + ') : 'no suite';
    if (ALL_SUITES.every((suite) => this.suites.includes(suite))) {
      writeReadmeFigure('coverage', `${lines.pct}% of src/ lines (${lines.covered}/${lines.total}),`
        + ` unit + integration + UI, measured ${new Date().toISOString().slice(0, 10)}`);
    }
    return `coverage: src/ lines ${lines.pct}% (${lines.covered}/${lines.total}) from ${from}; report in coverage/index.html`;
  }
}
