import { randomUUID } from 'node:crypto';

import { type BuildEventDto, buildEventSubject } from '@stagecraft/contracts';
import { appendToOutbox } from '@stagecraft/messaging';
import type { EntityManager } from 'typeorm';

import type { BuildEntity } from './build.entity';
import { toBuildDto } from './build-dto';

export const BUILD_EVENTS_TABLE = 'build_events';

/**
 * Writes a build's event in the transaction that changed the build (the outbox): the relay
 * publishes exactly what was committed, in commit order.
 */
export async function appendBuildEvent(manager: EntityManager, build: BuildEntity, type: string): Promise<void> {
  const eventId = randomUUID();
  const payload: BuildEventDto = { eventId, type, at: new Date().toISOString(), build: toBuildDto(build) };
  await appendToOutbox(manager, BUILD_EVENTS_TABLE, {
    id: eventId,
    subject: buildEventSubject({
      accountId: build.accountId,
      enterpriseProjectId: build.enterpriseProjectId,
      jobId: build.jobId,
      buildId: build.id,
      type,
    }),
    payload,
  });
}
