// Builds the console bundle into dist/ (committed; embedded by CMake):
// dist/assets/app-<hash>.js and .css, and dist/index.html naming them.
// Then records the hash of the inputs in bundle.sha256, which
// scripts/check-web-bundle compares with the sources (a ctest test), so a
// stale committed bundle fails the tests. Run by `make web`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const dist = join(here, 'dist');

// Same walk and hash as scripts/check-web-bundle.
export function inputsHash() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(relative(here, p));
    }
  };
  walk(join(here, 'src'));
  files.push('package.json', 'package-lock.json', 'build.mjs');
  files.sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f + '\0');
    h.update(readFileSync(join(here, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { app: join(here, 'src/main.js'), style: join(here, 'src/style.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => p.split('/').pop());
const js = outputs.find((n) => n.startsWith('app-') && n.endsWith('.js'));
const css = outputs.find((n) => n.startsWith('style-') && n.endsWith('.css'));
const index = readFileSync(join(here, 'src/index.html'), 'utf8').replace('{{JS}}', js).replace('{{CSS}}', css);
writeFileSync(join(dist, 'index.html'), index);
writeFileSync(join(here, 'bundle.sha256'), `${inputsHash()}\n`);
console.log(`built ${js} ${css}`);
