import type { BuildEventDto } from './builds.dto';

/** The CloudEvents version every build event is described in. */
export const CLOUD_EVENTS_SPEC_VERSION = '1.0';

/** Prefix of a build event's CloudEvents `type`: `io.stagecraft.build.succeeded`, `io.stagecraft.build.phase`… */
export const BUILD_CLOUD_EVENT_TYPE_PREFIX = 'io.stagecraft.build.';

/** The context attributes of a build event (CloudEvents 1.0, required and optional ones we set). */
export interface BuildCloudEventAttributes {
  specversion: typeof CLOUD_EVENTS_SPEC_VERSION;
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
}

/** A build event in CloudEvents structured mode (the body a webhook receives). */
export interface BuildCloudEvent extends BuildCloudEventAttributes {
  data: BuildEventDto;
}

/** `io.stagecraft.build.<type>`, `type` being the event's type as in its NATS subject. */
export function buildCloudEventType(eventType: string): string {
  return `${BUILD_CLOUD_EVENT_TYPE_PREFIX}${eventType}`;
}

/**
 * The attributes of a build event. `source` names the job the build belongs to (a URI reference
 * unique per installation with `id`); `subject` names the build within it.
 */
export function buildCloudEventAttributes(event: BuildEventDto): BuildCloudEventAttributes {
  const { accountId, enterpriseProjectId, jobId, id } = event.build;
  return {
    specversion: CLOUD_EVENTS_SPEC_VERSION,
    id: event.eventId,
    source: `/stagecraft/accounts/${accountId}/enterprise-projects/${enterpriseProjectId}/jobs/${jobId}`,
    type: buildCloudEventType(event.type),
    subject: `builds/${id}`,
    time: event.at,
    datacontenttype: 'application/json',
  };
}

/** The event in structured mode: its attributes with the event itself as `data`. */
export function buildCloudEvent(event: BuildEventDto): BuildCloudEvent {
  return { ...buildCloudEventAttributes(event), data: event };
}

/**
 * The attributes as NATS headers (the CloudEvents NATS protocol binding, binary mode: `ce-` +
 * attribute name, the event's JSON unchanged as the body, so consumers that read only the body
 * see no difference).
 */
export function buildCloudEventHeaders(event: BuildEventDto): Record<string, string> {
  const { datacontenttype, ...attributes } = buildCloudEventAttributes(event);
  const headers: Record<string, string> = { 'content-type': datacontenttype };
  for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = value;
  return headers;
}

/** Every build event type (the last token of its subject, docs/events.md#subjects). */
export const BUILD_EVENT_TYPES = [
  'queued',
  'scheduling',
  'running',
  'phase',
  'node',
  'succeeded',
  'failed',
  'error',
  'timed_out',
  'cancelling',
  'cancelled',
  'expired',
] as const;
export type BuildEventType = (typeof BUILD_EVENT_TYPES)[number];
