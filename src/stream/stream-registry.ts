import type { DomainEventBus } from '../events.js';
import type { StreamConnection } from './stream-connection.js';

/**
 * The open stream connections by user, kept in step with portfolio changes: adding or removing a
 * symbol through the API changes what that user's open streams receive, without a reconnect.
 */
export class StreamRegistry {
  private readonly byUser = new Map<string, Set<StreamConnection>>();
  private readonly unsubscribe: Array<() => void>;

  constructor(events: DomainEventBus) {
    this.unsubscribe = [
      events.on('portfolio.symbolAdded', ({ userId, symbol }) => {
        for (const connection of this.byUser.get(userId) ?? []) connection.add(symbol);
      }),
      events.on('portfolio.symbolRemoved', ({ userId, symbol }) => {
        for (const connection of this.byUser.get(userId) ?? []) connection.remove(symbol);
      }),
    ];
  }

  add(connection: StreamConnection): void {
    let set = this.byUser.get(connection.userId);
    if (!set) {
      set = new Set();
      this.byUser.set(connection.userId, set);
    }
    set.add(connection);
  }

  remove(connection: StreamConnection): void {
    connection.dispose();
    const set = this.byUser.get(connection.userId);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) this.byUser.delete(connection.userId);
  }

  size(): number {
    let total = 0;
    for (const set of this.byUser.values()) total += set.size;
    return total;
  }

  closeAll(): void {
    for (const set of this.byUser.values()) for (const connection of set) connection.dispose();
    this.byUser.clear();
    for (const off of this.unsubscribe) off();
  }
}
