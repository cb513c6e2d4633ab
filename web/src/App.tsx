import { useEffect, useState } from 'react';
import { AuthPage } from './AuthPage';
import { api, setCsrfToken, type User } from './api';
import { MarketStatusBadge } from './MarketStatusBadge';
import { useRoute } from './router';
import { StockPage } from './StockPage';
import { WatchlistPage } from './WatchlistPage';

type SessionState = { status: 'loading' } | { status: 'anonymous' } | { status: 'signed-in'; user: User };

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
        {session.status === 'signed-in' && <MarketStatusBadge />}
        {/* Most visits are signed in: the badge's line is kept while that is checked, so the page
            below does not move when it is confirmed (layout shift). */}
        {session.status === 'loading' && <span className="market-status" />}
        {session.status === 'signed-in' && (
          <span className="account">
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
        {session.status === 'anonymous' && <AuthPage onSignedIn={signedIn} />}
        {session.status === 'signed-in' && route.page === 'watchlist' && (
          <WatchlistPage onSessionEnded={signedOut} />
        )}
        {session.status === 'signed-in' && route.page === 'stock' && (
          <StockPage key={route.symbol} symbol={route.symbol} onSessionEnded={signedOut} />
        )}
      </main>
    </div>
  );
}
