import { useEffect, useState } from 'react';
import { api, type MarketStatus } from './api';

/** The status changes a few times a day; the server refreshes it every 5 minutes, so does the badge. */
const REFRESH_MS = 5 * 60 * 1000;

export function MarketStatusBadge() {
  const [status, setStatus] = useState<MarketStatus | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = () => {
      api
        .marketStatus()
        .then((next) => {
          if (!cancelled) setStatus(next);
        })
        .catch(() => {
          // Keep showing the last known status; the next refresh tries again.
        });
    };
    load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, []);

  // Its place is kept while the status loads, so the page below does not move when it arrives.
  if (!status) return <span className="market-status" />;
  return (
    <span className={`market-status market-${status.state}`} title={status.timezone ?? undefined}>
      <span className="dot" aria-hidden="true" />
      <span className="market-status-text">{status.description}</span>
    </span>
  );
}
