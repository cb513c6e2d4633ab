/**
 * How long a streaming feed waits before reconnect attempt `attempt` (0 for the first): doubling
 * from `minMs`, capped at `maxMs`, with "equal jitter" (half the delay fixed, half random) so many
 * instances do not reconnect in step.
 */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, minMs * 2 ** attempt);
  return base / 2 + (random() * base) / 2;
}
