import { natsReconnects } from '@stagecraft/observability';

/**
 * What is followed of a connection. Both NATS clients in a process fit: the classic `nats` one
 * (MessagingModule) and @nats-io/transport-node's, which Nest 12's transport (NatsRpcServer) opens.
 */
export interface FollowedNatsConnection {
  isClosed(): boolean;
  status(): AsyncIterable<{ type: string }>;
}

/**
 * Follows one NATS connection from its status events: whether it is connected now (readiness:
 * a connection that is reconnecting is not closed, yet nothing reaches the process through it),
 * and each reconnect, counted in stagecraft_nats_reconnects_total.
 */
export class NatsConnectionStatus {
  private disconnected = false;

  constructor(
    private readonly connection: FollowedNatsConnection,
    /** `client`: the connection requests leave on; `server`: a service's handlers' own. */
    private readonly role: 'client' | 'server',
  ) {
    void this.follow();
  }

  /** Null while connected; otherwise why not. */
  problem(): string | null {
    if (this.connection.isClosed()) return `the NATS ${this.role} connection is closed`;
    if (this.disconnected) return `the NATS ${this.role} connection is down, reconnecting`;
    return null;
  }

  private async follow(): Promise<void> {
    // Ends when the connection closes.
    for await (const status of this.connection.status()) {
      if (status.type === 'disconnect') this.disconnected = true;
      else if (status.type === 'reconnect') {
        this.disconnected = false;
        natsReconnects.inc({ connection: this.role });
      }
    }
  }
}
