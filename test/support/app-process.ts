import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const mainScript = join(root, 'src/main.ts');

export interface RunningApp {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs the real entry point (src/main.ts) as its own process in `cwd`, as `npm start` would, with
 * none of the test run's database or provider settings unless `env` gives them.
 */
export function startMain(cwd: string, env: Record<string, string> = {}): RunningApp {
  const {
    TEST_DATABASE_URL: _t,
    DATABASE_URL: _d,
    FINNHUB_API_KEY: _k,
    REDIS_URL: _r,
    ...inherited
  } = process.env;
  const child = spawn(process.execPath, ['--import', tsxLoader, mainScript], {
    cwd,
    // The keyless sources reach the internet unless a test points them at a fake.
    env: {
      ...inherited,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      YAHOO_FINANCE: 'off',
      BINANCE_STREAM: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The address a started process listens at. A start compiles the app with tsx: seconds alone, far longer on a loaded machine. */
export async function waitForReady(running: RunningApp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /Stock Tracker ready at (http:\/\/\S+)/.exec(running.output());
    if (match?.[1]) return match[1];
    if (running.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`did not start:\n${running.output()}`);
}

/**
 * Runs `npm run admin -- <args>` as its own process (src/admin/cli.ts under tsx) in `cwd`, with
 * `input` on stdin, as the operator would; resolves with its exit code and output.
 */
export function runAdminCli(
  cwd: string,
  args: string[],
  { env = {}, input = '' }: { env?: Record<string, string>; input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { TEST_DATABASE_URL: _t, DATABASE_URL: _d, REDIS_URL: _r, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', tsxLoader, join(root, 'src/admin/cli.ts'), ...args], {
    cwd,
    env: { ...inherited, NODE_ENV: 'development', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += String(d)));
  child.stderr?.on('data', (d) => (stderr += String(d)));
  child.stdin?.end(input);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}
