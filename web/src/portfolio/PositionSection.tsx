import { useEffect, useState } from 'react';
import { api, type HoldingDetail } from '../api';
import { formatMoney, formatPercent, formatPrice, formatQuantity, formatSignedMoney } from '../format';
import { followLink } from '../router';
import { TYPE_LABELS, transactionDetails } from './transaction-text';

/**
 * Your position in one stock, on its page: quantity, value at the live price, cost and P/L, and the
 * transactions behind them; nothing when you never traded it. The value follows `livePrice` with
 * display-only arithmetic (Number on the server's decimal strings); the server's figures are exact.
 */
export function PositionSection({
  symbol,
  livePrice,
  onError,
}: {
  symbol: string;
  livePrice: number | null;
  onError: (error: unknown) => void;
}) {
  const [detail, setDetail] = useState<HoldingDetail | null>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .holding(symbol, {})
      .then((answer) => {
        if (!cancelled) setDetail(answer);
      })
      .catch(onError);
    return () => {
      cancelled = true;
    };
  }, [symbol, onError]);

  if (!detail || detail.transactions.length === 0) return null;
  const { holding } = detail;
  const currency = holding.currency;
  const quantity = Number(holding.quantity);
  const cost = Number(holding.cost);
  const price = livePrice ?? (holding.price === null ? null : Number(holding.price));
  const value = price === null ? null : quantity * price;
  const unrealized = value === null ? null : value - cost;
  return (
    <section className="position" aria-labelledby="position-title">
      <h2 id="position-title">Your position</h2>
      {quantity !== 0 ? (
        <dl className="stats">
          <Stat label="Quantity" value={formatQuantity(quantity)} />
          <Stat label="Value" value={formatMoney(value, currency)} testId="position-value" />
          <Stat label="Cost" value={formatMoney(cost, currency)} />
          <Stat label="Average cost" value={formatPrice(Number(holding.averageCost), currency)} />
          <Stat
            label="Unrealized P/L"
            value={`${formatSignedMoney(unrealized, currency)} (${formatPercent(
              unrealized !== null && cost !== 0 ? (unrealized / cost) * 100 : null,
            )})`}
          />
          <Stat label="Realized P/L" value={formatSignedMoney(Number(holding.realized), currency)} />
          <Stat label="Dividends" value={formatMoney(Number(holding.dividends), currency)} />
        </dl>
      ) : (
        <p className="muted small">You hold no {symbol} now.</p>
      )}
      <h3>Transactions</h3>
      <ul className="transaction-lines">
        {detail.transactions.map(({ transaction: t }) => (
          <li key={t.id}>
            <span className="muted">{t.date}</span> <strong>{TYPE_LABELS[t.type]}</strong>{' '}
            {transactionDetails(t)}
            {t.note && <span className="muted"> · {t.note}</span>}
          </li>
        ))}
      </ul>
      <p className="small">
        <a href="/portfolio" onClick={followLink}>
          Portfolio
        </a>
      </p>
    </section>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}
