/** The token of a mailed link (`/reset-password#token=…`): in the fragment, so no server log ever holds it. */
export function linkToken(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

/** Takes the token out of the address bar once read, so it is not left in the history or a bookmark. */
export function forgetLinkToken(): void {
  if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
}
