import type { RequestOrigin, SecurityLog } from '../auth/security-log.js';
import type { Reauthentication, TwoFactorService } from '../auth/two-factor.service.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import * as repo from './account-data.repository.js';
import type { AccountExport } from './account-data.schemas.js';

/**
 * Tells what ran for a deleted account (by the user, or by an admin) to let go, once the deletion
 * is stored: its streams close, its symbols and rules stop holding market data.
 */
export function announceDeletedAccount(
  events: DomainEventBus,
  userId: string,
  deleted: repo.DeletedAccount,
): void {
  events.emit('auth.sessionsEnded', { userId, sessions: 'all' });
  for (const symbol of deleted.watchlistSymbols) events.emit('watchlist.symbolRemoved', { userId, symbol });
  events.emit('account.deleted', { userId, alertRuleIds: deleted.alertRuleIds });
}

/** The user's data is theirs: all of it exported, or all of it deleted. */
export class AccountDataService {
  constructor(
    private readonly options: {
      db: Database;
      clock: Clock;
      twoFactor: TwoFactorService;
      securityLog: SecurityLog;
      events: DomainEventBus;
    },
  ) {}

  async export(userId: string): Promise<AccountExport> {
    const data = await repo.readAccountData(this.options.db, userId);
    if (!data) throw new AppError('unauthenticated');
    return { exportedAt: new Date(this.options.clock.now()).toISOString(), ...data };
  }

  /**
   * Deletes the account once the password (and a code, with two-factor on) is proved again; a wrong
   * one deletes nothing. Then what ran for it lets go: its streams close, its symbols and rules stop
   * holding market data.
   */
  async delete(userId: string, proof: Reauthentication, origin: RequestOrigin): Promise<void> {
    const { db, twoFactor, securityLog, events } = this.options;
    await twoFactor.reauthenticate(userId, proof, origin);
    const deleted = await repo.deleteUser(db, userId);
    if (!deleted) throw new AppError('unauthenticated');
    announceDeletedAccount(events, userId, deleted);
    // The log keeps that an account went, by its id only: who it was went with it.
    await securityLog.record({ kind: 'account_deleted', userId: null, targetId: userId });
  }
}
