import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const backend = process.env.VITE_BACKEND ?? 'http://127.0.0.1:8000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
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
