import { type FormEvent, memo, useId, useState } from 'react';
import { ApiError, type CostBasisMethod, type PortfolioSettings } from '../api';

const COST_BASES: Array<{ method: CostBasisMethod; label: string; title: string }> = [
  { method: 'average', label: 'Average cost', title: 'Every unit costs the average of what was paid' },
  { method: 'fifo', label: 'FIFO', title: 'First in, first out: a sell takes the oldest units first' },
];

/** The base currency totals are shown in, and the cost-basis method; a change recomputes every figure. */
export const SettingsBar = memo(function SettingsBar({
  settings,
  onChange,
  onError,
}: {
  settings: PortfolioSettings;
  onChange: (change: Partial<PortfolioSettings>) => Promise<void>;
  onError: (error: unknown) => void;
}) {
  const id = useId();
  const [currency, setCurrency] = useState(settings.baseCurrency);
  const [error, setError] = useState<string | null>(null);

  const save = (change: Partial<PortfolioSettings>) => {
    setError(null);
    onChange(change).catch((err: unknown) => {
      onError(err);
      setError(
        err instanceof ApiError ? (Object.values(err.fields)[0]?.[0] ?? err.message) : 'Could not save.',
      );
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save({ baseCurrency: currency });
  };

  return (
    <div className="portfolio-settings">
      <form className="inline-form" onSubmit={submit} noValidate>
        <label htmlFor={`${id}-base`}>Base currency</label>
        <input
          id={`${id}-base`}
          className="currency-input"
          value={currency}
          maxLength={3}
          autoCapitalize="characters"
          onChange={(event) => setCurrency(event.target.value.toUpperCase())}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        {currency !== settings.baseCurrency && (
          <button type="submit" className="link-button">
            Use {currency}
          </button>
        )}
      </form>
      <fieldset className="segmented" title="How the cost of what is sold is counted">
        <legend className="visually-hidden">Cost basis</legend>
        {COST_BASES.map((option) => (
          <button
            key={option.method}
            type="button"
            title={option.title}
            aria-pressed={settings.costBasis === option.method}
            onClick={() => save({ costBasis: option.method })}
          >
            {option.label}
          </button>
        ))}
      </fieldset>
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
});
