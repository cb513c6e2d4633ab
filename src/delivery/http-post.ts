import { lookup as dnsLookup } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { BlockedAddressError, isPublicAddress, literalAddress, publicOnlyLookup } from './address-guard.js';

/** What a webhook or push service answered. */
export interface PostAnswer {
  status: number;
}

/** POSTs a body to a URL and answers the status; rejects on network failure, timeout or a refused address. */
export type HttpPost = (request: {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  signal: AbortSignal;
}) => Promise<PostAnswer>;

/** How long a webhook or push service has to answer. */
export const POST_TIMEOUT_MS = 10_000;

/**
 * The one way deliveries reach an outside URL: a POST that follows no redirect (the caller treats a
 * 3xx as a failure), gives up after POST_TIMEOUT_MS, reads at most a little of the answer, and,
 * unless `allowPrivate`, connects only to public addresses (checked on the resolved address at
 * connect time, and on an IP literal before it).
 */
export function createHttpPost({ allowPrivate }: { allowPrivate: boolean }): HttpPost {
  const lookup = allowPrivate ? dnsLookup : publicOnlyLookup(dnsLookup);
  const agents = {
    'http:': new http.Agent({ lookup }),
    'https:': new https.Agent({ lookup }),
  };
  return ({ url, headers, body, signal }) =>
    new Promise<PostAnswer>((resolve, reject) => {
      const target = new URL(url);
      const literal = literalAddress(target);
      if (!allowPrivate && literal && !isPublicAddress(literal)) {
        reject(new BlockedAddressError(target.hostname, literal));
        return;
      }
      const client = target.protocol === 'https:' ? https : http;
      const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
      const timeout = AbortSignal.timeout(POST_TIMEOUT_MS);
      const request = client.request(
        target,
        {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          signal: AbortSignal.any([signal, timeout]),
        },
        (response) => {
          // The answer's body says nothing we act on: drain it so the socket is freed.
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
          response.on('error', reject);
        },
      );
      request.on('error', (error) => {
        reject(timeout.aborted ? new Error(`no answer within ${POST_TIMEOUT_MS / 1000} s`) : unwrap(error));
      });
      request.end(body);
    });
}

/** Node wraps a lookup's error; the guard's own message says what happened. */
function unwrap(error: Error): Error {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof BlockedAddressError ? cause : error;
}
