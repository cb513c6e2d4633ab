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
  },
  server: {
    proxy: {
      '/api': { target: backend, ws: true, changeOrigin: false },
    },
  },
});
