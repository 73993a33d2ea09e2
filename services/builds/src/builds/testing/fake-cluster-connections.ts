import type { ClusterConnectionDto } from '@stagecraft/contracts';

import { type ClusterConnections, SecretsKeyMissingError } from '../domain/cluster-connections';

/** ClusterConnections in a Map; unconfigured, it refuses as BuildClusterStore does without SECRETS_KEY. */
export class FakeClusterConnections implements ClusterConnections {
  readonly saved = new Map<string, ClusterConnectionDto>();

  constructor(readonly configured = true) {}

  async save(connection: ClusterConnectionDto): Promise<void> {
    if (!this.configured) throw new SecretsKeyMissingError();
    this.saved.set(connection.clusterId, structuredClone(connection));
  }
}
