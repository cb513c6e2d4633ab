import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { AuthService } from '../auth/auth.service.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { SecurityLog } from '../auth/security-log.js';
import { TwoFactorService } from '../auth/two-factor.service.js';
import { systemClock } from '../clock.js';
import { type Config, ConfigError, loadConfig, withDotEnv } from '../config.js';
import { acquireDataDirLock, type DataDirLock, DataDirLockedError } from '../db/data-dir-lock.js';
import type { DatabaseHandle } from '../db/database.js';
import { openPglite, openPostgres } from '../db/open.js';
import { DomainEventBus } from '../events.js';
import { defaultRateLimits } from '../http/request-limits.js';
import { AUDIT_PAGE } from './admin.schemas.js';
import { AdminService, generatePassword } from './admin.service.js';
import { type AdminCommand, type AdminCommandResult, runAdminCommand, USAGE } from './admin-commands.js';
import { ADMIN_SOCKET_NAME, callAdminSocket } from './admin-socket.js';

/**
 * `npm run admin -- <command>`: the operator's commands, with the server stopped or running. With
 * PostgreSQL it opens the database like any instance. With the embedded database (PGlite), which
 * one process at a time may open, it opens the data folder when no server holds it, and otherwise
 * hands the command to the running server over its admin socket (`DATA_DIR/admin.sock`).
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(withDotEnv(process.env));
  } catch (error) {
    if (error instanceof ConfigError) exit({ output: error.message, exitCode: 78 });
    throw error;
  }
  const argv = process.argv.slice(2);
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0] ?? '')) {
    exit({ output: USAGE, exitCode: argv.length === 0 ? 64 : 0 });
  }
  const [command = '', ...args] = argv.filter((arg) => arg !== '--admin');
  const request: AdminCommand = { command, args, admin: argv.includes('--admin') };
  if (command === 'create-user' && args.length === 2) request.password = await readPassword();
  exit(await run(config, request));
}

async function run(config: Config, request: AdminCommand): Promise<AdminCommandResult> {
  if (config.database.kind === 'postgres') {
    return runHere(await openPostgres(config.database.url), config, request);
  }
  const { dataDir } = config.database;
  let lock: DataDirLock;
  try {
    lock = acquireDataDirLock(dataDir);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    const socket = join(dataDir, ADMIN_SOCKET_NAME);
    if (!existsSync(socket)) {
      return {
        output: `${error.message}\nThat process opened no admin socket (${socket}) to take commands: stop it, then run this again.`,
        exitCode: 75,
      };
    }
    try {
      return await callAdminSocket(socket, request);
    } catch (reason) {
      return {
        output: `The server holds ${dataDir} but did not answer on ${socket} (${(reason as Error).message}). Stop it, then run this again.`,
        exitCode: 75,
      };
    }
  }
  try {
    return await runHere(await openPglite({ dataDir }), config, request);
  } finally {
    lock.release();
  }
}

/** Runs the command in this process, on a database it opened. */
async function runHere(
  database: DatabaseHandle,
  config: Config,
  request: AdminCommand,
): Promise<AdminCommandResult> {
  try {
    const clock = systemClock;
    const throttle = new LoginThrottle(clock, defaultRateLimits);
    const securityLog = new SecurityLog(database.db, clock);
    // Heard by nothing here: a server running beside it (PostgreSQL) finds the ended sessions gone
    // at its next request.
    const events = new DomainEventBus();
    const admin = new AdminService({
      db: database.db,
      clock,
      auth: new AuthService(
        database.db,
        clock,
        throttle,
        config.sessionTtlMs,
        new TwoFactorService(database.db, clock, throttle, securityLog),
        events,
        securityLog,
        config.registration,
      ),
      securityLog,
      events,
      publicUrl: config.publicUrl,
      auditPage: AUDIT_PAGE,
    });
    return await runAdminCommand(admin, request, generatePassword);
  } finally {
    await database.close();
  }
}

/**
 * The new account's password: typed at a prompt that does not echo it (a terminal), or the first
 * line of stdin (a script). Empty: one is generated and printed.
 */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      lines.close();
      return line;
    }
    return '';
  }
  process.stdout.write('Password (Enter to generate one): ');
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const prompt = createInterface({ input: process.stdin, output: silent, terminal: true });
  const password = await prompt.question('');
  prompt.close();
  process.stdout.write('\n');
  return password;
}

function exit(result: AdminCommandResult): never {
  (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
  process.exit(result.exitCode);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
