declare module '../events.js' {
  interface DomainEvents {
    /** A personal API token was revoked: streams opened with it close at once. */
    'apiToken.revoked': { userId: string; tokenId: string };
  }
}

export {};
