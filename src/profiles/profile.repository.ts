import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { companyLogos, companyProfiles } from '../db/schema.js';
import { type CompanyProfile, type Logo, UNKNOWN_PROFILE } from '../market/kernel/instruments.js';

/** A stored profile (null: the provider has none) and when it was fetched. */
export interface StoredProfile {
  profile: CompanyProfile | null;
  fetchedAt: number;
}

export async function findProfile(db: Database, symbol: string): Promise<StoredProfile | undefined> {
  const [row] = await db.select().from(companyProfiles).where(eq(companyProfiles.symbol, symbol));
  if (!row) return undefined;
  const { symbol: _symbol, fetchedAt, ...fields } = row;
  const known = Object.values(fields).some((value) => value !== null);
  return { profile: known ? fields : null, fetchedAt: fetchedAt.getTime() };
}

export async function saveProfile(
  db: Database,
  symbol: string,
  profile: CompanyProfile | null,
  at: number,
): Promise<void> {
  const row = { ...(profile ?? UNKNOWN_PROFILE), fetchedAt: new Date(at) };
  await db
    .insert(companyProfiles)
    .values({ symbol, ...row })
    .onConflictDoUpdate({ target: companyProfiles.symbol, set: row });
}

export async function findLogo(db: Database, symbol: string): Promise<Logo | undefined> {
  const [row] = await db.select().from(companyLogos).where(eq(companyLogos.symbol, symbol));
  return row ? { contentType: row.contentType, data: Buffer.from(row.data, 'base64') } : undefined;
}

export async function saveLogo(db: Database, symbol: string, logo: Logo, at: number): Promise<void> {
  const row = {
    contentType: logo.contentType,
    data: Buffer.from(logo.data).toString('base64'),
    fetchedAt: new Date(at),
  };
  await db
    .insert(companyLogos)
    .values({ symbol, ...row })
    .onConflictDoUpdate({ target: companyLogos.symbol, set: row });
}
