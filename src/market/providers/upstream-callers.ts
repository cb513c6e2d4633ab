import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who the provider calls of a piece of work are made for: a request runs as its signed-in user (set
 * by an onRequest hook), so the REST budget can keep each user to a fair share of the calls everyone
 * shares. Work outside a request (polling, background refreshes) runs as nobody.
 */
export class UpstreamCallers {
  private readonly storage = new AsyncLocalStorage<string>();

  /** Runs `next` (and everything it starts) on behalf of `userId`, or of nobody. */
  runAs(userId: string | undefined, next: () => void): void {
    if (userId === undefined) next();
    else this.storage.run(userId, next);
  }

  current(): string | undefined {
    return this.storage.getStore();
  }
}
