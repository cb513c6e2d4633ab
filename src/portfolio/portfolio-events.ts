declare module '../events.js' {
  interface DomainEvents {
    /**
     * A user's ledger changed and is stored (a transaction written, changed or deleted, an import
     * committed, an account deleted): what follows the held symbols looks again.
     */
    'portfolio.ledgerChanged': { userId: string };
    /**
     * A symbol the portfolio now needs prices of (a held instrument, or the forex pair a currency in
     * use converts with) is wanted by the market: history loads its past.
     */
    'portfolio.symbolHeld': { userId: string; symbol: string };
  }
}

export {};
