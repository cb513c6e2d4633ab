// Builds the server (tsc -> dist/server) and the front end (vite -> dist/web) when any of their
// sources is newer than the last build, so `npm start` on a fresh clone or after a pull just works.
// The front end's text files get brotli (.br) and gzip (.gz) twins, compressed once here at the
// highest levels, which the server sends to browsers that accept them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'web', 'drizzle', 'package.json', 'package-lock.json', 'tsconfig.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

const force = process.argv.includes('--force');
const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const sourcesAt = Math.max(...inputs.map((p) => newestMtime(join(root, p))));
const complete =
  existsSync(join(root, 'dist', 'server', 'main.js')) && existsSync(join(root, 'dist', 'web', 'index.html'));

if (!force && complete && builtAt >= sourcesAt) process.exit(0);

function run(label, command, args) {
  console.log(`build: ${label}`);
  // Always the production build: a build started from a test run (NODE_ENV=test) would otherwise
  // bundle React's development version, and later starts would serve it as up to date.
  const env = { ...process.env, NODE_ENV: 'production' };
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`build: ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

const bin = (name) => join(root, 'node_modules', '.bin', name);
if (!existsSync(bin('tsc')) || !existsSync(bin('vite'))) {
  console.error(
    'build: the build tools are missing. Run `npm install` first (it installs the dev dependencies too).',
  );
  process.exit(1);
}
run('server (tsc)', bin('tsc'), ['-p', 'tsconfig.json']);
run('web (vite)', bin('vite'), ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);

/** Smaller files gain nothing worth a second request header's worth of bytes. */
const COMPRESS_FROM_BYTES = 1024;
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt|map)$/;

function precompress(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) precompress(path);
    else if (COMPRESSIBLE.test(entry.name) && statSync(path).size >= COMPRESS_FROM_BYTES) {
      const content = readFileSync(path);
      const brotli = brotliCompressSync(content, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
        },
      });
      writeFileSync(`${path}.br`, brotli);
      writeFileSync(`${path}.gz`, gzipSync(content, { level: constants.Z_BEST_COMPRESSION }));
    }
  }
}
console.log('build: web (brotli and gzip)');
precompress(join(root, 'dist', 'web'));
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, new Date().toISOString());
