import { lazy, Suspense, useEffect, useState } from 'react';
import { AlertCenter } from './AlertCenter';
import { AlertsPage } from './AlertsPage';
import { AuthPage } from './AuthPage';
import { ForgotPasswordPage } from './account/ForgotPasswordPage';
import { ResetPasswordPage } from './account/ResetPasswordPage';
import { VerifyEmailPage } from './account/VerifyEmailPage';
import { AdminPage } from './admin/AdminPage';
import { api, setCsrfToken, type User } from './api';
import { MarketStatusBadge } from './MarketStatusBadge';
import { followLink, type Route, useRoute } from './router';
import { SettingsPage } from './SettingsPage';
import { StockPage } from './StockPage';
import { WatchlistPage } from './WatchlistPage';

/** The portfolio page, fetched when first opened: the watchlist, the first screen, does without it. */
const PortfolioPage = lazy(() =>
  import('./portfolio/PortfolioPage').then((module) => ({ default: module.PortfolioPage })),
);

/** Pages outside the session: asking for a reset link, and the pages a mailed link opens. */
const LINK_PAGES = new Set<Route['page']>(['forgot-password', 'reset-password', 'verify-email']);

type SessionState = { status: 'loading' } | { status: 'anonymous' } | { status: 'signed-in'; user: User };

const NAV: Array<{ page: Route['page']; path: string; label: string }> = [
  { page: 'watchlist', path: '/', label: 'Watchlist' },
  { page: 'portfolio', path: '/portfolio', label: 'Portfolio' },
  { page: 'alerts', path: '/alerts', label: 'Alerts' },
  { page: 'settings', path: '/settings', label: 'Settings' },
];
/** Shown to admins only (the server refuses the console's calls to anyone else). */
const ADMIN_NAV = { page: 'admin', path: '/admin', label: 'Admin' } as const;

export function App() {
  const [session, setSession] = useState<SessionState>({ status: 'loading' });
  const route = useRoute();

  useEffect(() => {
    api
      .whoami()
      .then(({ user, csrfToken }) => {
        setCsrfToken(csrfToken);
        setSession(user ? { status: 'signed-in', user } : { status: 'anonymous' });
      })
      .catch((error: unknown) => {
        console.error(error);
        setSession({ status: 'anonymous' });
      });
  }, []);

  const signedIn = (user: User, csrfToken: string) => {
    setCsrfToken(csrfToken);
    setSession({ status: 'signed-in', user });
  };

  const signedOut = () => {
    setCsrfToken(null);
    setSession({ status: 'anonymous' });
  };

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" /> Stock Tracker
        </span>
        {/* Most visits are signed in: the navigation's and the badge's lines are kept while that is
            checked, so the page below does not move when it is confirmed (layout shift). */}
        {session.status !== 'anonymous' && (
          <nav className="main-nav" aria-label="Main">
            {session.status === 'signed-in' &&
              (session.user.role === 'admin' ? [...NAV, ADMIN_NAV] : NAV).map((item) => (
                <a
                  key={item.page}
                  href={item.path}
                  aria-current={route.page === item.page ? 'page' : undefined}
                  onClick={followLink}
                >
                  {item.label}
                </a>
              ))}
          </nav>
        )}
        {session.status === 'signed-in' && <MarketStatusBadge />}
        {session.status === 'loading' && <span className="market-status" />}
        {session.status === 'signed-in' && (
          <span className="account">
            <AlertCenter onSessionEnded={signedOut} />
            <span className="username">{session.user.username}</span>
            <button
              type="button"
              className="link-button"
              onClick={() => {
                api.logout().finally(signedOut);
              }}
            >
              Log out
            </button>
          </span>
        )}
      </header>
      {/* Empty while the session is checked (a few milliseconds): a "Loading" line there would only
          be pushed down by the top bar growing once the user is known. */}
      <main>
        {/* The pages a mailed link opens, and asking for one: the same signed in or not. */}
        {session.status !== 'loading' && route.page === 'forgot-password' && <ForgotPasswordPage />}
        {session.status !== 'loading' && route.page === 'reset-password' && (
          <ResetPasswordPage onPasswordSet={signedOut} />
        )}
        {session.status !== 'loading' && route.page === 'verify-email' && <VerifyEmailPage />}
        {session.status === 'anonymous' && !LINK_PAGES.has(route.page) && <AuthPage onSignedIn={signedIn} />}
        {session.status === 'signed-in' && route.page === 'watchlist' && (
          <WatchlistPage onSessionEnded={signedOut} />
        )}
        {session.status === 'signed-in' && route.page === 'portfolio' && (
          <Suspense fallback={null}>
            <PortfolioPage onSessionEnded={signedOut} />
          </Suspense>
        )}
        {session.status === 'signed-in' && route.page === 'stock' && (
          <StockPage key={route.symbol} symbol={route.symbol} onSessionEnded={signedOut} />
        )}
        {session.status === 'signed-in' && route.page === 'alerts' && (
          <AlertsPage onSessionEnded={signedOut} />
        )}
        {session.status === 'signed-in' && route.page === 'admin' && (
          <AdminPage user={session.user} onSessionEnded={signedOut} />
        )}
        {session.status === 'signed-in' && route.page === 'settings' && (
          <SettingsPage user={session.user} onSessionEnded={signedOut} />
        )}
      </main>
    </div>
  );
}
