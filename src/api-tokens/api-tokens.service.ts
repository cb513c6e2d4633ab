import type { RequestOrigin, SecurityLog } from '../auth/security-log.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import type { TokenScope } from '../http/api.schemas.js';
import * as repo from './api-tokens.repository.js';
import { type ApiTokenView, type CreateTokenInput, MAX_TOKEN_DAYS } from './api-tokens.schemas.js';
import './api-token-events.js';
import { apiTokenHash, isWellFormedApiToken, newApiToken } from './token-format.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** `lastUsedAt` is written at most this often per token: a busy script costs no write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Who a request with a valid token acts for, and what it may do. */
export interface TokenCaller {
  tokenId: string;
  userId: string;
  scopes: readonly string[];
}

/**
 * Personal API tokens: made (shown once, stored as SHA-256), listed, revoked at once, and checked
 * for each request that presents one. Creating and revoking are written to the security log.
 */
export class ApiTokenService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly securityLog: SecurityLog,
    private readonly domainEvents: DomainEventBus,
  ) {}

  async create(
    userId: string,
    input: CreateTokenInput,
    origin: RequestOrigin,
  ): Promise<{ token: string; view: ApiTokenView }> {
    const now = this.clock.now();
    const expiresAt = this.expiryOf(input, now);
    const token = newApiToken();
    const record = await this.db.transaction(async (tx) => {
      const inserted = await repo.insertToken(tx, {
        userId,
        name: input.name,
        tokenHash: apiTokenHash(token),
        scopes: [...input.scopes],
        lastFour: token.slice(-4),
        expiresAt,
        createdAt: new Date(now),
      });
      await this.securityLog.record(
        {
          kind: 'token_created',
          userId,
          targetId: inserted.id,
          detail: { name: inserted.name, scopes: inserted.scopes },
          ...origin,
        },
        tx,
      );
      return inserted;
    });
    return { token, view: toView(record) };
  }

  async list(userId: string): Promise<ApiTokenView[]> {
    return (await repo.listTokens(this.db, userId)).map(toView);
  }

  async revoke(userId: string, id: string, origin: RequestOrigin): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await repo.deleteToken(tx, userId, id))) throw new AppError('token_not_found');
      await this.securityLog.record({ kind: 'token_revoked', userId, targetId: id, ...origin }, tx);
    });
    this.domainEvents.emit('apiToken.revoked', { userId, tokenId: id });
  }

  /** The caller a presented token stands for, or null: malformed, unknown, revoked or expired. */
  async authenticate(token: string): Promise<TokenCaller | null> {
    if (!isWellFormedApiToken(token)) return null;
    const now = this.clock.now();
    const found = await repo.findUsableToken(this.db, apiTokenHash(token), new Date(now));
    if (!found) return null;
    if (!found.lastUsedAt || now - found.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await repo.touchToken(this.db, found.id, new Date(now));
    }
    return { tokenId: found.id, userId: found.userId, scopes: found.scopes };
  }

  private expiryOf(input: CreateTokenInput, now: number): Date | null {
    if (input.expiresInDays !== undefined) return new Date(now + input.expiresInDays * DAY_MS);
    if (input.expiresAt === undefined) return null;
    const expiresAt = new Date(input.expiresAt);
    const problem =
      expiresAt.getTime() <= now
        ? 'The expiry must be in the future.'
        : expiresAt.getTime() > now + MAX_TOKEN_DAYS * DAY_MS
          ? `The expiry may be at most ${MAX_TOKEN_DAYS} days away.`
          : undefined;
    if (problem) throw new AppError('validation_error', 'Some fields are invalid.', { expiresAt: [problem] });
    return expiresAt;
  }
}

function toView(record: repo.ApiTokenRecord): ApiTokenView {
  return {
    id: record.id,
    name: record.name,
    scopes: record.scopes as TokenScope[],
    lastFour: record.lastFour,
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    expiresAt: record.expiresAt?.toISOString() ?? null,
  };
}
