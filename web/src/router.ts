import { useEffect, useState } from 'react';

export type Route =
  | { page: 'watchlist' }
  | { page: 'portfolio' }
  | { page: 'stock'; symbol: string }
  | { page: 'alerts' }
  | { page: 'settings' }
  | { page: 'forgot-password' }
  | { page: 'reset-password' }
  | { page: 'verify-email' }
  | { page: 'admin' };

const STOCK_PATH = /^\/stocks\/([^/]+)\/?$/;

function parseRoute(pathname: string): Route {
  const match = STOCK_PATH.exec(pathname);
  // Symbols are upper case everywhere (the server normalises them too): /stocks/aapl is AAPL's page.
  if (match?.[1]) return { page: 'stock', symbol: safeDecode(match[1]).trim().toUpperCase() };
  const path = pathname.replace(/\/+$/, '');
  if (path === '/portfolio') return { page: 'portfolio' };
  if (path === '/alerts') return { page: 'alerts' };
  if (path === '/settings') return { page: 'settings' };
  if (path === '/forgot-password') return { page: 'forgot-password' };
  if (path === '/reset-password') return { page: 'reset-password' };
  if (path === '/verify-email') return { page: 'verify-email' };
  if (path === '/admin') return { page: 'admin' };
  return { page: 'watchlist' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function stockPath(symbol: string): string {
  return `/stocks/${encodeURIComponent(symbol)}`;
}

/**
 * A link inside the app: a plain click moves without a page load; a modified one (new tab, new
 * window) is left to the browser.
 */
export function followLink(event: {
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  button: number;
  preventDefault(): void;
  currentTarget: { getAttribute(name: string): string | null };
}): void {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  const href = event.currentTarget.getAttribute('href');
  if (!href) return;
  event.preventDefault();
  navigate(href);
}

const listeners = new Set<() => void>();

/** Moves to `path` inside the app (no page load), with a history entry so Back returns. */
export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

/** The page the address bar names, kept current on navigate() and on Back/Forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}
