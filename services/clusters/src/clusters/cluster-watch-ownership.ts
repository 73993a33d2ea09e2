import type { KubeConfig } from '@kubernetes/client-node';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ClusterNodeDto } from '@stagecraft/contracts';
import { SecretBox } from '@stagecraft/secrets';

import { ClustersConfig } from '../config';
import { ClusterEntity } from './infra/cluster.entity';
import { ClusterRepository } from './infra/cluster.repository';
import { type CheckedConnection, ClusterConnections, type ConnectionOutcome } from './infra/cluster-connections';
import { ClusterWatchLocks } from './infra/cluster-watch-locks';
import { NodeWatches } from './infra/node-watches';
import { KeyedQueue } from './keyed-queue';
import { SECRET_BOX } from './secret-box';
import { SweepSchedule } from './sweep-schedule';

/** What connecting a cluster on request (register, refresh) found. */
export interface ClusterConnection {
  outcome: ConnectionOutcome;
  /**
   * The nodes listed for this answer only, when another replica owns the cluster's watch (it
   * stores the node list); absent when this replica stored them, or when the list failed.
   */
  listedNodes?: ClusterNodeDto[];
}

/**
 * Which replica watches which Kubernetes cluster: the one holding the cluster's advisory lock
 * (ClusterWatchLocks), so that every cluster has exactly one watcher among the replicas and one
 * writer of its node list.
 *
 * A sweep (at start, every CLUSTER_WATCH_SWEEP_MS, and after register, refresh and delete) takes
 * the lock of every cluster no replica holds, connects it and watches it; and gives up the
 * clusters this replica watches that were deleted, or that a connection check (on any replica)
 * found UNAVAILABLE. A replica that dies loses its session and with it its locks, and the next
 * sweep elsewhere takes its clusters over. UNAVAILABLE clusters are retried by the first sweep of
 * a replica that starts and by a refresh only: retrying them every sweep would have every replica
 * knock on an unreachable API server every few seconds.
 */
@Injectable()
export class ClusterWatchOwnership implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ClusterWatchOwnership');
  /** Locking, connecting, watching and releasing one cluster happen one at a time. */
  private readonly perCluster = new KeyedQueue();
  private readonly schedule: SweepSchedule;
  private stopping = false;

  constructor(
    config: ClustersConfig,
    private readonly clusters: ClusterRepository,
    private readonly connections: ClusterConnections,
    private readonly watches: NodeWatches,
    private readonly locks: ClusterWatchLocks,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {
    this.schedule = new SweepSchedule((first) => this.sweep({ retryUnavailable: first }), config.CLUSTER_WATCH_SWEEP_MS);
    // Without its session this replica owns nothing: another one may already be watching.
    locks.onLost(() => void this.watches.stopAll());
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.schedule.stop();
    await this.watches.stopAll();
    // Ending the session frees every lock: the other replicas' next sweeps take the clusters over.
    await this.locks.close();
  }

  /** The clusters whose lock this replica holds, sorted (for tests and diagnostics). */
  ownedClusters(): string[] {
    return this.locks.heldClusters().sort();
  }

  sweepSoon(): void {
    this.schedule.soon();
  }

  /**
   * Takes the lock of a cluster about to be stored, so that the registering replica connects it
   * and no other replica's sweep does meanwhile; false when this replica has no lock session now
   * (a sweep takes the cluster later). Release it if the cluster is not stored after all.
   */
  claimNew(clusterId: string): Promise<boolean> {
    return this.tryLock(clusterId);
  }

  /**
   * Checks the cluster now and records its status (register, refresh). The owner, or a replica
   * that can become it, then lists and watches the nodes; any other replica lists them once for
   * the answer and leaves storing them to the owner.
   */
  connect(cluster: ClusterEntity): Promise<ClusterConnection> {
    return this.perCluster.run(cluster.id, async () => {
      const owner = this.locks.holds(cluster.id) || (await this.tryLock(cluster.id));
      let checked: CheckedConnection;
      try {
        checked = await this.checkAndRecord(cluster);
      } catch (error) {
        if (owner) await this.stopOwning(cluster.id);
        throw error;
      }
      if (!checked.ok) {
        if (owner) await this.stopOwning(cluster.id);
        return { outcome: checked };
      }
      const outcome: ConnectionOutcome = { ok: true, server: checked.server };
      if (owner && (await this.watch(cluster.id, checked.kubeConfig))) return { outcome };
      return { outcome, listedNodes: await this.listOnce(cluster.id, checked.kubeConfig) };
    });
  }

  /** Stops watching the cluster here, if this replica did, and gives its lock up. */
  release(clusterId: string): Promise<void> {
    return this.perCluster.run(clusterId, () => this.stopOwning(clusterId));
  }

  private async sweep({ retryUnavailable }: { retryUnavailable: boolean }): Promise<void> {
    try {
      if (this.stopping || !(await this.locks.ensureSession())) return;
      // Taken before the list: a cluster watched by then was stored by then, so missing means deleted.
      const watched = this.watches.clusterIds();
      const clusters = await this.clusters.listWithKubeconfig();
      const byId = new Map(clusters.map((cluster) => [cluster.id, cluster]));
      const givenUp = watched.filter((id) => {
        const cluster = byId.get(id);
        return !cluster || cluster.status === 'UNAVAILABLE';
      });
      const unowned = clusters.filter(
        (cluster) =>
          !this.locks.holds(cluster.id) && !cluster.deletingSince && (retryUnavailable || cluster.status !== 'UNAVAILABLE'),
      );
      await Promise.all([
        ...givenUp.map((id) => this.release(id)),
        ...unowned.map((cluster) => this.perCluster.run(cluster.id, () => this.takeOver(cluster))),
      ]);
    } catch (error) {
      this.logger.warn(`sweeping cluster watches failed: ${describe(error)}; retrying at the next sweep`);
    }
  }

  /** Connects and watches a cluster whose lock no replica holds, if this replica gets it. */
  private async takeOver(cluster: ClusterEntity): Promise<void> {
    if (this.stopping || this.locks.holds(cluster.id) || !(await this.tryLock(cluster.id))) return;
    try {
      const checked = await this.checkAndRecord(cluster);
      if (checked.ok) await this.watch(cluster.id, checked.kubeConfig);
      else await this.stopOwning(cluster.id);
    } catch (error) {
      this.logger.warn(`cluster ${cluster.id} could not be connected: ${describe(error)}`);
      await this.stopOwning(cluster.id);
    }
  }

  private async checkAndRecord(cluster: ClusterEntity): Promise<CheckedConnection> {
    const kubeconfig = this.secrets.open(cluster.kubeconfigSealed!, cluster.id);
    const checked = await this.connections.check(cluster.id, kubeconfig);
    // Stored (and shown to whoever may see the cluster): the reason that does not tell port states apart.
    await this.clusters.updateStatus(
      cluster.id,
      checked.ok
        ? { status: 'AVAILABLE', statusReason: null, server: checked.server }
        : { status: 'UNAVAILABLE', statusReason: checked.reason },
    );
    return checked;
  }

  /** Watches the cluster if this replica (still) holds its lock; whether it does now. */
  private async watch(clusterId: string, kubeConfig: KubeConfig): Promise<boolean> {
    if (this.stopping || !this.locks.holds(clusterId)) return false;
    await this.watches.start(clusterId, kubeConfig);
    // The lock session may have failed while the first list ran: no watch may go on without the lock.
    if (!this.stopping && this.locks.holds(clusterId)) return true;
    await this.watches.stop(clusterId);
    return false;
  }

  private async listOnce(clusterId: string, kubeConfig: KubeConfig): Promise<ClusterNodeDto[] | undefined> {
    try {
      return await this.connections.listNodes(kubeConfig);
    } catch (error) {
      this.logger.warn(`listing the nodes of cluster ${clusterId} failed: ${describe(error)}`);
      return undefined;
    }
  }

  private async stopOwning(clusterId: string): Promise<void> {
    await this.watches.stop(clusterId);
    // A failure here means the session is gone, and the lock with it.
    await this.locks.unlock(clusterId).catch(() => undefined);
  }

  /** False also when there is no lock session (ClusterWatchLocks reports that). */
  private async tryLock(clusterId: string): Promise<boolean> {
    try {
      return await this.locks.tryLock(clusterId);
    } catch {
      return false;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
