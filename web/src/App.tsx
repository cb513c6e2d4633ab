import { useEffect, useState } from 'react';
import { AuthPage } from './AuthPage';
import { ApiError, api, setCsrfToken, type User } from './api';
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
      .session()
      .then(({ user, csrfToken }) => {
        setCsrfToken(csrfToken);
        setSession({ status: 'signed-in', user });
      })
      .catch((error: unknown) => {
        if (!(error instanceof ApiError) || error.status !== 401) console.error(error);
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
      <main>
        {session.status === 'loading' && <p className="muted center">Loading…</p>}
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
