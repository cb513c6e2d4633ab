import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const backend = process.env.VITE_BACKEND ?? 'http://127.0.0.1:8000';
const publicDir = fileURLToPath(new URL('public', import.meta.url));

/**
 * Chunks the app may load that the offline shell leaves out: the password-strength dictionaries
 * (750 kB compressed) serve only the register form, which needs the server anyway; every visitor's
 * service worker would otherwise fetch them.
 */
const OUTSIDE_APP_SHELL = new Set(['password-strength']);

/**
 * Builds web/sw/service-worker.ts to /sw.js (a fixed name at the root: its scope is the whole site)
 * and writes into it the app shell it keeps for offline start: the page, every file the app's entry
 * loads or may load (the chart too; not the API reference page's), and the public files. A build that
 * changes any of them changes sw.js, so browsers install the new worker.
 */
function serviceWorker(): Plugin {
  return {
    name: 'stock-tracker-service-worker',
    apply: 'build',
    buildStart() {
      this.emitFile({
        type: 'chunk',
        id: fileURLToPath(new URL('sw/service-worker.ts', import.meta.url)),
        fileName: 'sw.js',
      });
    },
    generateBundle(_options, bundle) {
      const files = new Set<string>();
      const visit = (fileName: string) => {
        const output = bundle[fileName];
        if (!output || files.has(fileName)) return;
        if (output.type === 'chunk' && OUTSIDE_APP_SHELL.has(output.name)) return;
        files.add(fileName);
        if (output.type !== 'chunk') return;
        for (const next of [...output.imports, ...output.dynamicImports]) visit(next);
        for (const css of output.viteMetadata?.importedCss ?? []) visit(css);
        for (const asset of output.viteMetadata?.importedAssets ?? []) visit(asset);
      };
      for (const output of Object.values(bundle)) {
        if (output.type === 'chunk' && output.isEntry && output.name === 'index') visit(output.fileName);
      }
      const publicFiles = readdirSync(publicDir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => `${entry.parentPath.slice(publicDir.length)}/${entry.name}`.replace(/^\/+/, ''));
      const paths = ['/', ...[...files, ...publicFiles].sort().map((file) => `/${file}`)];
      // The files' contents, not only their names: index.html and the public files keep theirs.
      const hash = createHash('sha256');
      for (const file of [...files, 'index.html'].sort()) {
        const output = bundle[file];
        if (output) hash.update(output.type === 'chunk' ? output.code : output.source);
      }
      for (const file of publicFiles.sort()) hash.update(readFileSync(`${publicDir}/${file}`));
      const version = hash.digest('hex').slice(0, 12);
      const worker = bundle['sw.js'];
      if (worker?.type !== 'chunk') throw new Error('the service worker chunk is missing');
      const placeholder = /(["'`])__APP_SHELL__\1/;
      if (!placeholder.test(worker.code)) throw new Error('sw.js lost its __APP_SHELL__ placeholder');
      worker.code = worker.code.replace(
        placeholder,
        JSON.stringify(JSON.stringify({ version, files: paths })),
      );
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [serviceWorker()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Inline assets would need a looser CSP (data: scripts); keep every asset a file.
    assetsInlineLimit: 0,
    // The app, and the API reference served at /api/docs (its own small page: no app code, no chart).
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        docs: fileURLToPath(new URL('docs.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: backend, ws: true, changeOrigin: false },
    },
  },
});
