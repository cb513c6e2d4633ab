import { ApiError } from '../api';

/** What to tell the admin about a failed call: a field's problem, or the error's message. */
export function problem(error: unknown, fallback: string): string {
  if (error instanceof ApiError) return Object.values(error.fields)[0]?.[0] ?? error.message;
  return error instanceof Error ? error.message : fallback;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A time from the API, in the browser's words; a dash for none. */
export function when(iso: string | null): string {
  return iso ? dateTime.format(new Date(iso)) : '–';
}
