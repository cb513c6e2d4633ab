import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { ProviderError } from '../errors.js';
import type { CompanyProfile, Logo } from '../market/kernel/instruments.js';
import { DAY_MS } from '../market/kernel/periods.js';
import type { MarketDataProvider } from '../market/providers/provider.js';
import { SingleFlight } from '../single-flight.js';
import { findLogo, findProfile, saveLogo, saveProfile } from './profile.repository.js';

/** Profiles change rarely: each symbol's is asked for at most once a week. */
const PROFILE_TTL_MS = 7 * DAY_MS;

/**
 * Company profiles and logos, kept in the database: a profile is fetched when missing or older than
 * 7 days (an older one is still shown if the provider fails), a logo once. Concurrent requests for
 * one symbol share one provider call.
 */
export class ProfileService {
  private readonly profileFetches = new SingleFlight<CompanyProfile | null>();
  private readonly logoFetches = new SingleFlight<Logo | null>();

  constructor(
    private readonly db: Database,
    private readonly provider: MarketDataProvider,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async profile(symbol: string): Promise<CompanyProfile | null> {
    const stored = await findProfile(this.db, symbol);
    if (stored && this.clock.now() - stored.fetchedAt < PROFILE_TTL_MS) return stored.profile;
    return this.profileFetches.run(symbol, () => this.refresh(symbol, stored?.profile));
  }

  /** The symbol's logo from the database, fetched from the provider the first time; null if none. */
  async logo(symbol: string): Promise<Logo | null> {
    const stored = await findLogo(this.db, symbol);
    if (stored) return stored;
    const source = (await this.profile(symbol))?.logoSource ?? null;
    if (!source) return null;
    return this.logoFetches.run(symbol, async () => {
      try {
        const logo = await this.provider.logo({ symbol, source });
        if (logo) await saveLogo(this.db, symbol, logo, this.clock.now());
        return logo;
      } catch (error) {
        this.logger.warn({ symbol, reason: (error as Error).message }, 'could not fetch a logo');
        return null;
      }
    });
  }

  private async refresh(
    symbol: string,
    previous: CompanyProfile | null | undefined,
  ): Promise<CompanyProfile | null> {
    let profile: CompanyProfile | null;
    try {
      profile = await this.provider.profile({ symbol });
    } catch (error) {
      // A plan without profiles for this market: remembered like "no profile".
      if (!(error instanceof ProviderError && error.reason === 'plan_required')) {
        this.logger.warn({ symbol, reason: (error as Error).message }, 'could not fetch a company profile');
        return previous ?? null;
      }
      profile = null;
    }
    await saveProfile(this.db, symbol, profile, this.clock.now());
    return profile;
  }
}
