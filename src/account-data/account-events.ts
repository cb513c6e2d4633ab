declare module '../events.js' {
  interface DomainEvents {
    /**
     * An account and all its rows were deleted: whatever held its rules in memory lets go of them.
     * (Its watchlist symbols are told as `watchlist.symbolRemoved`, its sessions as `auth.sessionsEnded`.)
     */
    'account.deleted': { userId: string; alertRuleIds: string[] };
  }
}

export {};
