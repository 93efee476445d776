// Bundles the dashboard (/) and the API reference (/docs) into dist/web with esbuild:
// content-hashed assets, the HTML pages pointing at them. Run by `npm run build`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../../dist/web');
fs.rmSync(out, { recursive: true, force: true });

const result = await esbuild.build({
  entryPoints: {
    app: path.join(here, 'app/main.ts'),
    'app-style': path.join(here, 'styles.css'),
    docs: path.join(here, 'docs/main.ts'),
    'docs-style': path.join(here, 'docs/docs.css'),
  },
  outdir: path.join(out, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome100', 'firefox100', 'safari15.4'],
  minify: true,
  sourcemap: 'linked',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
  tsconfig: path.join(here, 'tsconfig.json'),
});

const outputs = {};
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (!meta.entryPoint) continue;
  const name = path.basename(file).replace(/-[A-Z0-9]+\.(js|css)$/, '.$1');
  outputs[name] = `/assets/${path.basename(file)}`;
}
const favicon = 'data:image/svg+xml,' + encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#4f46e5"/><path d="M9 20c2-6 4-9 7-9s5 3 7 9" stroke="#fff" stroke-width="3" fill="none" stroke-linecap="round"/></svg>');
const fill = (html) => html
  .replace('__APP_JS__', outputs['app.js'])
  .replace(/__APP_CSS__/g, outputs['app-style.css'])
  .replace('__DOCS_JS__', outputs['docs.js'])
  .replace('__DOCS_CSS__', outputs['docs-style.css'])
  .replace(/__FAVICON__/g, favicon);
for (const page of ['index.html', 'docs.html']) {
  fs.writeFileSync(path.join(out, page), fill(fs.readFileSync(path.join(here, page), 'utf8')));
}
const size = (f) => fs.statSync(path.join(out, f.replace(/^\//, ''))).size;
console.log(`dist/web: ${Object.entries(outputs).map(([k, v]) => `${k} ${(size(v) / 1024).toFixed(1)} KiB`).join(', ')}`);
