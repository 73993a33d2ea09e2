import {
  DiscardPolicy,
  JetStreamManager,
  nanos,
  NatsError,
  RetentionPolicy,
  StorageType,
  StreamConfig,
  StreamInfo,
  StreamUpdateConfig,
} from 'nats';

import { qualifyStreamName, qualifySubject } from './subjects';

/** What a service declares about one of its streams; names and subjects are logical (unprefixed). */
export interface StreamSpec {
  /** Logical name, e.g. `BUILD_EVENTS`: letters, digits, `_`, `-`. */
  name: string;
  /** Logical subjects, e.g. `['events.builds.>']`. */
  subjects: string[];
  /** The installation's subject prefix (`NatsRpcClient.qualify('')`); `''` for none. */
  subjectPrefix?: string;
  /** Drop messages older than this; 0 or absent keeps them forever (subject to the other limits). */
  maxAgeMs?: number;
  /** Keep at most this many messages (oldest discarded first); absent = unlimited. */
  maxMsgs?: number;
  /** Keep at most this many bytes; absent = unlimited. */
  maxBytes?: number;
  /** How long JetStream remembers a `Nats-Msg-Id` to drop re-publishes. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Default `file`: events must outlive a NATS restart. */
  storage?: 'file' | 'memory';
  /** Replicas in a clustered JetStream; default 1. */
  replicas?: number;
  description?: string;
}

export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;

const STREAM_NAME_IN_USE = 10058;
const STREAM_NOT_FOUND = 10059;

/**
 * Creates or updates streams idempotently. Every replica of a service may call `ensure` at boot:
 * the first creates the stream, the others find it equal (or update limits that changed).
 */
export const JetStreamStreams = {
  /** The real (prefixed) stream name, as consumers must name it. */
  nameFor(subjectPrefix: string, name: string): string {
    return qualifyStreamName(subjectPrefix, name);
  },

  /** The stream configuration `ensure` would apply (exported for tests and documentation). */
  configFor(spec: StreamSpec): StreamConfig {
    const prefix = spec.subjectPrefix ?? '';
    if (spec.subjects.length === 0) throw new Error(`stream ${spec.name} needs at least one subject`);
    const maxAgeMs = spec.maxAgeMs ?? 0;
    let duplicateWindowMs = spec.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
    // JetStream refuses a duplicate window longer than the age limit.
    if (maxAgeMs > 0) duplicateWindowMs = Math.min(duplicateWindowMs, maxAgeMs);
    return {
      name: qualifyStreamName(prefix, spec.name),
      subjects: spec.subjects.map((subject) => qualifySubject(prefix, subject)),
      description: spec.description,
      retention: RetentionPolicy.Limits,
      storage: spec.storage === 'memory' ? StorageType.Memory : StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(maxAgeMs),
      max_msgs: spec.maxMsgs ?? -1,
      max_bytes: spec.maxBytes ?? -1,
      duplicate_window: nanos(duplicateWindowMs),
      num_replicas: spec.replicas ?? 1,
    } as StreamConfig;
  },

  async ensure(jsm: JetStreamManager, spec: StreamSpec): Promise<StreamInfo> {
    const wanted = JetStreamStreams.configFor(spec);
    let existing = await streamInfo(jsm, wanted.name);
    if (!existing) {
      try {
        return await jsm.streams.add(wanted);
      } catch (error) {
        // Another replica created it between our look-up and our add, with other limits.
        if (apiErrorCode(error) !== STREAM_NAME_IN_USE) throw error;
        existing = await streamInfo(jsm, wanted.name);
        if (!existing) throw error;
      }
    }
    if (existing.config.storage !== wanted.storage) {
      throw new Error(
        `stream ${wanted.name} uses ${existing.config.storage} storage, ${wanted.storage} was asked for: ` +
          'JetStream cannot change storage; migrate the stream by hand',
      );
    }
    if (sameConfig(existing.config, wanted)) return existing;
    const update: Partial<StreamUpdateConfig> = {
      subjects: wanted.subjects,
      description: wanted.description,
      max_age: wanted.max_age,
      max_msgs: wanted.max_msgs,
      max_bytes: wanted.max_bytes,
      duplicate_window: wanted.duplicate_window,
      num_replicas: wanted.num_replicas,
    };
    return jsm.streams.update(wanted.name, update);
  },

  /** Deletes the stream if it exists (tests clean up with this); true when one was deleted. */
  async remove(jsm: JetStreamManager, subjectPrefix: string, name: string): Promise<boolean> {
    try {
      return await jsm.streams.delete(qualifyStreamName(subjectPrefix, name));
    } catch (error) {
      if (apiErrorCode(error) === STREAM_NOT_FOUND) return false;
      throw error;
    }
  },
};

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (apiErrorCode(error) === STREAM_NOT_FOUND) return null;
    throw error;
  }
}

export function apiErrorCode(error: unknown): number | undefined {
  return error instanceof NatsError ? error.api_error?.err_code : undefined;
}

function sameConfig(have: StreamConfig, want: StreamConfig): boolean {
  const sorted = (subjects: string[] | undefined) => [...(subjects ?? [])].sort().join('\n');
  return (
    sorted(have.subjects) === sorted(want.subjects) &&
    (have.description ?? undefined) === (want.description ?? undefined) &&
    have.max_age === want.max_age &&
    have.max_msgs === want.max_msgs &&
    have.max_bytes === want.max_bytes &&
    have.duplicate_window === want.duplicate_window &&
    (have.num_replicas ?? 1) === want.num_replicas
  );
}
