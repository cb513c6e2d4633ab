import { eq } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { portfolioSettings } from '../../db/schema.js';
import { DEFAULT_PORTFOLIO_SETTINGS } from '../portfolio.schemas.js';

/** The currency a user's totals are shown in: their setting, or the default (USD) when they have none. */
export async function loadBaseCurrency(db: Database, userId: string): Promise<string> {
  const [row] = await db
    .select({ baseCurrency: portfolioSettings.baseCurrency })
    .from(portfolioSettings)
    .where(eq(portfolioSettings.userId, userId));
  return row?.baseCurrency ?? DEFAULT_PORTFOLIO_SETTINGS.baseCurrency;
}
