import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { userPreferences } from '../db/schema.js';

export async function findSettings(db: Database, userId: string): Promise<unknown> {
  const [row] = await db
    .select({ settings: userPreferences.settings })
    .from(userPreferences)
    .where(eq(userPreferences.userId, userId))
    .limit(1);
  return row?.settings;
}

export async function saveSettings(db: Database, userId: string, settings: unknown): Promise<void> {
  await db
    .insert(userPreferences)
    .values({ userId, settings })
    .onConflictDoUpdate({ target: userPreferences.userId, set: { settings, updatedAt: sql`now()` } });
}
