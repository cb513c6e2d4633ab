import type { Database } from '../db/database.js';
import * as repo from './preferences.repository.js';
import { DEFAULT_PREFERENCES, type Preferences, preferencesSchema } from './preferences.schemas.js';

export class PreferencesService {
  constructor(private readonly db: Database) {}

  /** The user's saved preferences, or the defaults; a stored document from an older version that no longer validates falls back to the defaults. */
  async get(userId: string): Promise<Preferences> {
    const parsed = preferencesSchema.safeParse(await repo.findSettings(this.db, userId));
    return parsed.success ? parsed.data : DEFAULT_PREFERENCES;
  }

  async save(userId: string, preferences: Preferences): Promise<Preferences> {
    await repo.saveSettings(this.db, userId, preferences);
    return preferences;
  }
}
