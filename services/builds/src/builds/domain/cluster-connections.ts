import type { ClusterConnectionDto } from '@stagecraft/contracts';

/** Thrown when Kubernetes builds are asked for without SECRETS_KEY (nothing could be stored safely). */
export class SecretsKeyMissingError extends Error {
  constructor() {
    super('the builds service needs SECRETS_KEY or SECRETS_KEY_FILE to run builds on Kubernetes clusters');
  }
}

/** Where the Kubernetes connection of a cluster is kept for its builds (BuildClusterStore). */
export abstract class ClusterConnections {
  /** False without SECRETS_KEY: no connection can be kept, so no Kubernetes build can start. */
  abstract get configured(): boolean;
  /** Keeps the connection (sealed), so the build can be followed after a restart without the caller. */
  abstract save(connection: ClusterConnectionDto): Promise<void>;
}
