declare module '../events.js' {
  interface DomainEvents {
    /**
     * Sessions ended (logout, password change, a session revoked, the account disabled or deleted):
     * their open streams close at once. `sessions` holds the session ids' hashes, or `all` of the user's.
     */
    'auth.sessionsEnded': { userId: string; sessions: 'all' | string[] };
    /** An account was created through registration: its email address is to be verified. */
    'auth.registered': { userId: string; email: string };
  }
}

export {};
