import { registerBody } from '../auth/auth.schemas.js';
import { AppError } from '../errors.js';
import type { Actor, AdminService } from './admin.service.js';

/**
 * One `npm run admin` command as it travels: run here on the database the command line opened, or
 * sent to the running server over its admin socket and run there (PGlite while the server holds it).
 */
export interface AdminCommand {
  command: string;
  args: string[];
  /** `create-user --admin`. */
  admin: boolean;
  /** For create-user: the password typed at the prompt or given on stdin; generated when empty. */
  password?: string;
}

export interface AdminCommandResult {
  /** What to print. */
  output: string;
  /** 0 done, 1 refused (the message says why), 64 a usage error. */
  exitCode: number;
}

export const USAGE = `Usage: npm run admin -- <command>

  create-user <username> <email> [--admin]  create an account (password prompted, or generated)
  promote <user>                            make an account an administrator
  demote <user>                             make an administrator a user again
  reset-password <user>                     set a generated password and end its sessions
  disable-2fa <user>                        turn two-factor sign-in off (a locked-out user)
  list-users [search]                       the accounts, or those matching the search

<user> is a username, an email address or an account id.`;

const ARITY: Record<string, [min: number, max: number]> = {
  'create-user': [2, 2],
  promote: [1, 1],
  demote: [1, 1],
  'reset-password': [1, 1],
  'disable-2fa': [1, 1],
  'list-users': [0, 1],
};

/** The command line's actor in the audit log: no account, and where it came from. */
const COMMAND_LINE: Actor = { id: null, address: null, userAgent: 'npm run admin' };

/** Runs a command with the admin service (the same calls the admin console makes). */
export async function runAdminCommand(
  admin: AdminService,
  request: AdminCommand,
  generatePassword: () => string,
): Promise<AdminCommandResult> {
  const arity = ARITY[request.command];
  if (!arity || request.args.length < arity[0] || request.args.length > arity[1]) {
    const problem = arity
      ? `Wrong arguments for ${request.command}.`
      : `Unknown command "${request.command}".`;
    return { output: `${problem}\n\n${USAGE}`, exitCode: 64 };
  }
  const [first = '', second = ''] = request.args;
  try {
    switch (request.command) {
      case 'create-user': {
        const names = registerBody
          .pick({ username: true, email: true })
          .safeParse({ username: first, email: second });
        if (!names.success) {
          return { output: names.error.issues.map((issue) => issue.message).join('\n'), exitCode: 1 };
        }
        const password = request.password || generatePassword();
        const user = await admin.createUser(COMMAND_LINE, {
          ...names.data,
          password,
          admin: request.admin,
        });
        const lines = [`Created ${user.role === 'admin' ? 'administrator' : 'user'} ${user.username}.`];
        if (!request.password) lines.push(`Password: ${password}`);
        return done(lines.join('\n'));
      }
      case 'promote':
      case 'demote': {
        const role = request.command === 'promote' ? 'admin' : 'user';
        const user = await admin.findUser(first);
        await admin.updateUser(COMMAND_LINE, user.id, { role });
        return done(`${user.username} is now ${role === 'admin' ? 'an administrator' : 'a user'}.`);
      }
      case 'reset-password': {
        const user = await admin.findUser(first);
        const password = await admin.resetPassword(COMMAND_LINE, user.id, generatePassword());
        return done(
          `New password for ${user.username}: ${password}\nEvery session of the account was ended.`,
        );
      }
      case 'disable-2fa': {
        const user = await admin.findUser(first);
        await admin.disableTwoFactor(COMMAND_LINE, user.id);
        return done(`Two-factor sign-in is off for ${user.username}; they sign in with the password alone.`);
      }
      default: {
        const users = await admin.listUsers(first);
        return done(userTable(users));
      }
    }
  } catch (error) {
    if (error instanceof AppError) return { output: describe(error), exitCode: 1 };
    throw error;
  }
}

function done(output: string): AdminCommandResult {
  return { output, exitCode: 0 };
}

function describe(error: AppError): string {
  const fields = Object.values(error.fields ?? {}).flat();
  return [error.message, ...fields.map((field) => `  ${field}`)].join('\n');
}

function userTable(users: Awaited<ReturnType<AdminService['listUsers']>>): string {
  if (users.length === 0) return 'No accounts.';
  const rows = [
    ['username', 'email', 'role', 'state', '2fa', 'created', 'last seen'],
    ...users.map((user) => [
      user.username,
      user.email,
      user.role,
      user.disabled ? 'disabled' : 'active',
      user.twoFactorEnabled ? 'on' : 'off',
      user.createdAt.slice(0, 16).replace('T', ' '),
      user.lastSeenAt ? user.lastSeenAt.slice(0, 16).replace('T', ' ') : '-',
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
