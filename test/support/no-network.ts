// Loaded before every test file: any connection to a host other than loopback fails the test at once,
// so a misconfigured URL can never reach the real Finnhub (or anything else) from the test suite.
import * as net from 'node:net';

const loopback = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);
const connect = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  const options = (Array.isArray(first) ? first[0] : first) as
    | { host?: string; path?: string }
    | number
    | string;
  const host =
    typeof options === 'object' && options !== null
      ? options.host
      : typeof args[1] === 'string'
        ? args[1]
        : undefined;
  const isPipe = typeof options === 'object' && options !== null && typeof options.path === 'string';
  if (!isPipe && host !== undefined && !loopback.has(host) && !host.startsWith('127.')) {
    throw new Error(`Tests may only connect to loopback; something tried ${host}`);
  }
  return connect.apply(this, args);
} as typeof net.Socket.prototype.connect;
