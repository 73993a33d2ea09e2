import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';

import type { ObservabilityServer } from './health';
import { stopTracing } from './tracing';

/** What a process closes last when it stops: its /metrics, /healthz and /readyz port, then its spans. */
@Injectable()
export class ObservabilityShutdown implements OnApplicationShutdown {
  private readonly servers: ObservabilityServer[] = [];

  /** Closes `server` when the app stops (app.close(), or SIGTERM through Nest's shutdown hooks). */
  closeOnShutdown(server: ObservabilityServer): void {
    this.servers.push(server);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.servers.splice(0).map((server) => server.close()));
    // Within a bound: a collector that is down must not hold the process up.
    await stopTracing();
  }
}

/**
 * Imported by every process's root module (serviceModule, the gateway's). Global: Nest runs its
 * shutdown hook after those of the modules that use NATS and Postgres, so /readyz answers and
 * spans are recorded until the end. A signal handler of its own would race Nest's exit instead.
 */
@Global()
@Module({ providers: [ObservabilityShutdown], exports: [ObservabilityShutdown] })
export class ObservabilityModule {}
