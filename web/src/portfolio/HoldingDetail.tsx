import { useEffect, useState } from 'react';
import { api, type HoldingDetail as Detail } from '../api';
import { formatDateTime, formatMoney, formatPrice, formatQuantity, formatSignedMoney } from '../format';
import { followLink, stockPath } from '../router';
import type { LiveHolding } from './live-holdings';
import { TYPE_LABELS, transactionDetails } from './transaction-text';

const n = (text: string | null): number | null => (text === null ? null : Number(text));

/**
 * Where a holding's figures come from (GET /holdings/:symbol): the price and FX rate used, and each
 * transaction with what it did to the position (units and cost after it, a sell's realized P/L, the
 * FIFO lots left, the rates it was converted at).
 */
export function HoldingDetail({
  row,
  baseCurrency,
  accountId,
  onError,
}: {
  row: LiveHolding;
  baseCurrency: string;
  accountId: string | undefined;
  onError: (error: unknown) => void;
}) {
  const { holding } = row;
  const [detail, setDetail] = useState<Detail | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    api
      .holding(holding.symbol, { account: accountId })
      .then(setDetail)
      .catch((error: unknown) => {
        onError(error);
        setFailed(true);
      });
  }, [holding.symbol, accountId, onError]);

  const currency = holding.currency;
  const lots = detail?.transactions.at(-1)?.lots ?? null;
  return (
    <div className="holding-detail">
      <dl className="stats">
        <Stat label="Quantity" value={formatQuantity(row.quantity)} />
        <Stat label="Price used" value={formatPrice(row.price, currency)} />
        <Stat label="Value (quantity × price)" value={formatMoney(row.value, currency)} />
        <Stat label="Cost" value={formatMoney(row.cost, currency)} />
        <Stat label="Average cost" value={formatPrice(n(holding.averageCost), currency)} />
        <Stat label="Unrealized" value={formatSignedMoney(row.unrealized, currency)} />
        <Stat label="Realized" value={formatSignedMoney(n(holding.realized), currency)} />
        <Stat label="Dividends" value={formatMoney(n(holding.dividends), currency)} />
        {detail?.quote && (
          <Stat
            label="Quote"
            value={`${formatPrice(n(detail.quote.price), currency)} at ${formatDateTime(detail.quote.time)}`}
          />
        )}
        {currency !== baseCurrency && (
          <>
            <Stat label={`FX rate ${currency}→${baseCurrency}`} value={holding.base.fxRate ?? 'none known'} />
            <Stat label={`Value in ${baseCurrency}`} value={formatMoney(row.baseValue, baseCurrency)} />
            <Stat label={`Cost in ${baseCurrency}`} value={formatMoney(n(holding.base.cost), baseCurrency)} />
            <Stat
              label="Currency effect"
              value={formatSignedMoney(n(holding.base.currencyEffect), baseCurrency)}
            />
          </>
        )}
      </dl>
      <h3>Transactions in {holding.symbol}</h3>
      {failed && <p className="form-error">Could not load where the figures come from.</p>}
      {detail && detail.transactions.length === 0 && <p className="muted small">No transactions.</p>}
      {detail && detail.transactions.length > 0 && (
        <div className="table-scroll">
          <table className="watchlist holding-steps">
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Transaction</th>
                <th scope="col" className="num">
                  Units after
                </th>
                <th scope="col" className="num">
                  Cost after
                </th>
                <th scope="col" className="num">
                  Realized
                </th>
                <th scope="col" className="num hide-narrow">
                  FX used
                </th>
              </tr>
            </thead>
            <tbody>
              {detail.transactions.map((step) => (
                <tr key={step.transaction.id}>
                  <td>{step.transaction.date}</td>
                  <td>
                    <strong>{TYPE_LABELS[step.transaction.type]}</strong>{' '}
                    {transactionDetails(step.transaction)}
                  </td>
                  <td className="num">{formatQuantity(n(step.quantity))}</td>
                  <td className="num">{formatMoney(n(step.cost), currency)}</td>
                  <td className="num">
                    {step.realized === null ? '' : formatSignedMoney(n(step.realized), currency)}
                  </td>
                  <td className="num hide-narrow">{ratesUsed(step, currency, baseCurrency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {lots && lots.length > 0 && (
        <>
          <h3>Lots held (FIFO, oldest first)</h3>
          <ul className="transaction-lines">
            {lots.map((lot, index) => (
              <li key={`${lot.date}-${index}`}>
                {lot.date}: {formatQuantity(n(lot.quantity))} costing {formatMoney(n(lot.cost), currency)}
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="small">
        <a href={stockPath(holding.symbol)} onClick={followLink}>
          {holding.symbol}'s page
        </a>
      </p>
    </div>
  );
}

/** The rates a transaction in another currency was converted at, to the holding's and the base currency. */
function ratesUsed(step: Detail['transactions'][number], currency: string, baseCurrency: string): string {
  const from = step.transaction.currency;
  return [
    from !== currency ? `${currency} ${step.fxRate}` : '',
    from !== baseCurrency ? `${baseCurrency} ${step.baseFxRate}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
