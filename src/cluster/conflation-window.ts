/**
 * The symbols changed since a window opened, handed over once when it closes. The first change
 * opens a window of `windowMs`; later changes within it only join the set. So each changed symbol
 * is handed over once per window (its latest state is read then, so the latest wins), and no
 * change waits longer than the window. Nothing runs while nothing changes.
 */
export class ConflationWindow {
  private changed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly closed: (symbols: ReadonlySet<string>) => void,
  ) {}

  add(symbol: string): void {
    this.changed.add(symbol);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Closes the window now (stepping down, shutting down): what changed is handed over, not dropped. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.changed.size === 0) return;
    const symbols = this.changed;
    this.changed = new Set();
    this.closed(symbols);
  }
}
