import { Injectable } from '@nestjs/common';
import { BUILD_EVENTS_STREAM, buildEventSubject } from '@stagecraft/contracts';
import { JetStreamStreams, NatsRpcClient } from '@stagecraft/messaging';

import { BuildsConfig } from '../../config';

/** Where a build's events are: the tokens of its subjects. */
export interface BuildEventsOf {
  id: string;
  accountId: string;
  enterpriseProjectId: string;
  jobId: string;
}

/**
 * Removes pruned builds' events from the BUILD_EVENTS stream, by each build's own subjects (a
 * purge filtered on `events.builds.<account>.<project>.<job>.<build>.*`): the builds service may
 * purge its stream, as it may update it; no other process may (docs/security.md).
 */
@Injectable()
export class BuildEventsPurge {
  private readonly stream: string;

  constructor(
    private readonly nats: NatsRpcClient,
    private readonly config: BuildsConfig,
  ) {
    this.stream = JetStreamStreams.nameFor(config.NATS_SUBJECT_PREFIX, BUILD_EVENTS_STREAM);
  }

  /** Answers how many stored events went. */
  async purge(builds: BuildEventsOf[]): Promise<number> {
    if (builds.length === 0) return 0;
    const streams = (await this.nats.connection.jetstreamManager()).streams;
    let purged = 0;
    for (const build of builds) {
      const filter = this.config.NATS_SUBJECT_PREFIX + buildEventSubject({ ...build, buildId: build.id, type: '*' });
      purged += (await streams.purge(this.stream, { filter })).purged;
    }
    return purged;
  }
}
