import { useCallback } from 'react';
import { ApiError } from './api';

/**
 * The error handler every page shares: a 401 means the session ended (the app goes back to the
 * sign-in page); anything else is the page's to show.
 */
export function useSessionEndedHandler(onSessionEnded: () => void): (error: unknown) => void {
  return useCallback(
    (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) onSessionEnded();
    },
    [onSessionEnded],
  );
}
