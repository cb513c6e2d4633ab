import { ApiError } from '../api';

/** What to show for a failed call: the first field's reason, else the error's message. */
export function errorText(err: unknown, fallback: string): string {
  if (err instanceof ApiError) return Object.values(err.fields)[0]?.[0] ?? err.message;
  return err instanceof Error ? err.message : fallback;
}
