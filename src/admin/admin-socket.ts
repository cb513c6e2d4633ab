import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import type { AdminCommand, AdminCommandResult } from './admin-commands.js';

/** The running server's door for `npm run admin` while it holds the embedded database: `DATA_DIR/admin.sock`. */
export const ADMIN_SOCKET_NAME = 'admin.sock';

/**
 * Listens on a Unix socket for admin commands, one JSON line each way. Only the server's own
 * operating-system user can connect (mode 0600): whoever can, could read the data folder anyway.
 */
export async function listenAdminSocket(
  path: string,
  run: (command: AdminCommand) => Promise<AdminCommandResult>,
): Promise<Server> {
  // The caller holds the data folder's lock: a socket file left here is a dead process's.
  rmSync(path, { force: true });
  const server = createServer((socket) => {
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      received += chunk;
      if (received.length > 64 * 1024) socket.destroy();
      const end = received.indexOf('\n');
      if (end < 0) return;
      let command: AdminCommand;
      try {
        command = JSON.parse(received.slice(0, end)) as AdminCommand;
      } catch {
        socket.end(`${JSON.stringify({ output: 'Not a command.', exitCode: 64 })}\n`);
        return;
      }
      run(command).then(
        (result) => socket.end(`${JSON.stringify(result)}\n`),
        (error: Error) => socket.end(`${JSON.stringify({ output: error.message, exitCode: 1 })}\n`),
      );
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return server;
}

/** Sends a command to the running server and waits for its answer. */
export function callAdminSocket(path: string, command: AdminCommand): Promise<AdminCommandResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(command)}\n`));
    socket.on('data', (chunk) => {
      received += chunk;
    });
    socket.on('end', () => {
      try {
        resolve(JSON.parse(received) as AdminCommandResult);
      } catch {
        reject(new Error('The server closed the admin socket without an answer.'));
      }
    });
    socket.on('error', reject);
  });
}
