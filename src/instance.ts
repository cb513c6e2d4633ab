import { hostname } from 'node:os';

/**
 * What this process is in the deployment: `single` alone; in a cluster (`REDIS_URL`) the `leader`
 * holds the one upstream feed and the others are `follower`s.
 */
export type InstanceRole = 'single' | 'leader' | 'follower';

/**
 * This process as the probes and the load balancer see it. `draining` starts at SIGTERM: from then
 * on `/readyz` answers 503, so the proxy sends new requests and reconnecting browsers elsewhere
 * while this process finishes what it holds.
 */
export class AppInstance {
  private isDraining = false;

  constructor(
    /** Stable for the process's life and unique in the cluster (logs, `/healthz`, the leader's id). */
    readonly id: string,
    /** Read on every `/healthz`: the cluster gives its own, which changes as leadership moves. */
    readonly role: () => InstanceRole = () => 'single',
  ) {}

  get draining(): boolean {
    return this.isDraining;
  }

  startDraining(): void {
    this.isDraining = true;
  }
}

/**
 * `INSTANCE_ID` when set, else the host's name and the process id: a pod's or container's name is
 * its hostname, and the pid tells processes on one machine apart.
 */
export function defaultInstanceId(configured: string | undefined): string {
  return configured ?? `${hostname()}-${process.pid}`;
}
