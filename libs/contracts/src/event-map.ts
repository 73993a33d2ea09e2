import type { BuildEventDto } from './builds/builds.dto';
import type { BuildEventSubject } from './builds/builds.subjects';
import type { AuditEvent, AuthzChangedEvent } from './iam/iam.dto';
import type { IamSubjects } from './iam/iam.subjects';

/**
 * Event subject → payload: what makes `client.publish(subject, event)` and event subscriptions
 * typed, as SubjectMap does for requests. A build event has a subject per build and type; it goes
 * through the builds service's outbox to JetStream.
 */
export interface EventMap {
  [IamSubjects.authzChanged]: AuthzChangedEvent;
  [IamSubjects.auditRecorded]: AuditEvent;
  [subject: BuildEventSubject]: BuildEventDto;
}

export type EventSubject = keyof EventMap;
export type EventOf<S extends EventSubject> = EventMap[S];
