// Bundles src/extension.ts into dist/extension.js with esbuild (dependencies inlined, `vscode` external).
// Always minified so size reports match what ships; `--production` drops the source map, except that
// SWAS_BUILD_SOURCEMAP=1 (npm test's coverage) writes it beside the bundle without linking it (the VSIX leaves it out).
// Writes dist/meta.json (esbuild metafile) for bundle size reports.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const distDir = path.join(repoRoot, 'dist');
const outfile = path.join(distDir, 'extension.js');

/** Modules the SDK's runtime requires but SWAS never uses (WebSocket, XML): replaced by a stub that throws if called. */
const LEFT_OUT = /^(ws|xml2js)$/;
const leaveOutUnused = {
  name: 'leave-out-unused',
  setup(build) {
    build.onResolve({ filter: LEFT_OUT }, () => ({ path: path.join(repoRoot, 'scripts/stubs/unused-module.cjs') }));
  },
};

const started = performance.now();
fs.mkdirSync(distDir, { recursive: true });
// a stale map from a dev build must not sit next to a production bundle
fs.rmSync(`${outfile}.map`, { force: true });
const result = await esbuild.build({
  absWorkingDir: repoRoot,
  entryPoints: ['src/extension.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  minify: true,
  sourcemap: production ? (process.env.SWAS_BUILD_SOURCEMAP === '1' && 'external') : 'linked',
  metafile: true,
  plugins: [leaveOutUnused],
  logLevel: 'warning',
});
fs.writeFileSync(path.join(distDir, 'meta.json'), JSON.stringify(result.metafile));
const bytes = fs.statSync(outfile).size;
console.log(`build: dist/extension.js ${(bytes / 1024).toFixed(1)} KiB`
  + ` (${production ? 'production' : 'development'}) in ${Math.round(performance.now() - started)} ms`);
