/**
 * Whether this process is shutting down. Set at SIGTERM (`main.ts`): from then on `/readyz` answers
 * 503, so the proxy sends new requests and reconnecting browsers to other instances while this one
 * finishes what it holds.
 */
export class DrainState {
  private isDraining = false;

  get draining(): boolean {
    return this.isDraining;
  }

  start(): void {
    this.isDraining = true;
  }
}
