import { createHash, type Hash } from 'node:crypto';

import { sha256Digest } from './digest';
import { discard, type RegistryTransport } from './registry.transport';

/** An open upload: where the next request goes (each answer may move it). */
export interface UploadSession {
  repository: string;
  location: URL;
}

export interface BlobPushResult {
  digest: string;
  size: number;
  /** PATCH requests sent: 0 for a monolithic upload. */
  chunks: number;
}

const OCTET_STREAM = 'application/octet-stream';
/** How much of a streamed upload's source is prepared ahead of the wire. */
const STREAM_READ_AHEAD_BYTES = 4 * 1024 * 1024;

export function pushScopes(repository: string): string[] {
  return [`repository:${repository}:pull,push`];
}

/** The session's `Location`, absolute or relative to the URL that answered. */
export function sessionFrom(transport: RegistryTransport, repository: string, response: Response, answered: URL): UploadSession {
  const location = response.headers.get('location');
  if (!location) {
    throw transport.error(
      { operation: `upload to ${repository}` },
      'PROTOCOL_ERROR',
      response.status,
      'the answer has no Location',
    );
  }
  return { repository, location: new URL(location, answered) };
}

/** Monolithic upload: the whole blob in the closing PUT. */
export async function putWholeBlob(transport: RegistryTransport, session: UploadSession, bytes: Buffer): Promise<BlobPushResult> {
  const digest = sha256Digest(bytes);
  await closeUpload(transport, session, digest, bytes);
  return { digest, size: bytes.length, chunks: 0 };
}

/**
 * How a blob of unknown length is sent.
 * - `stream`: one PATCH whose body streams the whole blob (chunked transfer encoding), then the
 *   PUT: what docker and skopeo do, and the fastest (one request, no per-chunk registry work).
 * - `chunked`: PATCHes of `chunkSize` bytes with Content-Range, then the PUT: for registries or
 *   proxies that cap request bodies.
 * Either way a blob that fits in one chunk goes up monolithically, and memory stays at about
 * two chunks whatever the blob's size.
 */
export type UploadMode = 'stream' | 'chunked';

export interface StreamUploadOptions {
  mode: UploadMode;
  chunkSize: number;
  /** The digest the bytes must have; the registry refuses to commit others (and nothing is hashed here). */
  expectedDigest?: string;
  /**
   * The digest of what `source` yielded, asked once it has ended: for a source that hashes itself
   * as it goes (a layer being built), so the bytes are not hashed twice. The registry checks it.
   */
  digestOfSource?: () => string;
}

export async function putBlobFromStream(
  transport: RegistryTransport,
  session: UploadSession,
  source: AsyncIterable<Uint8Array>,
  options: StreamUploadOptions,
): Promise<BlobPushResult> {
  const iterator = source[Symbol.asyncIterator]();
  const state = { location: session.location, offset: 0, chunks: 0 };
  // With a digest known elsewhere the registry's own check at the PUT (400 DIGEST_INVALID) decides;
  // hashing here as well would only cost a pass over every byte.
  const known = options.expectedDigest ?? options.digestOfSource;
  const hash = known ? null : createHash('sha256');
  const digestOf = () => options.expectedDigest ?? options.digestOfSource?.() ?? `sha256:${hash!.digest('hex')}`;
  try {
    const head = await readHead(iterator, options.chunkSize);
    head.parts.forEach((part) => hash?.update(part));
    if (head.ended) {
      const bytes = Buffer.concat(head.parts);
      const digest = digestOf();
      await closeUpload(transport, { ...session, location: state.location }, digest, bytes);
      return { digest, size: bytes.length, chunks: 0 };
    }
    const rest = restOf(head.parts, iterator, hash);
    if (options.mode === 'stream') await patchStreamed(transport, session, rest, state);
    else await patchInChunks(transport, session, rest, options.chunkSize, state);
    const digest = digestOf();
    await closeUpload(transport, { ...session, location: state.location }, digest);
    return { digest, size: state.offset, chunks: state.chunks };
  } catch (err) {
    await cancelUpload(transport, { ...session, location: state.location });
    throw err;
  } finally {
    await iterator.return?.();
  }
}

interface UploadState {
  location: URL;
  offset: number;
  chunks: number;
}

async function readHead(iterator: AsyncIterator<Uint8Array>, limit: number): Promise<{ parts: Buffer[]; ended: boolean }> {
  const parts: Buffer[] = [];
  let bytes = 0;
  while (bytes < limit) {
    const { done, value } = await iterator.next();
    if (done) return { parts, ended: true };
    parts.push(asBuffer(value));
    bytes += value.byteLength;
  }
  return { parts, ended: false };
}

/** The head already read, then the rest of the source, hashed as it goes by. */
async function* restOf(head: Buffer[], iterator: AsyncIterator<Uint8Array>, hash: Hash | null): AsyncGenerator<Buffer> {
  yield* head;
  for (;;) {
    const { done, value } = await iterator.next();
    if (done) return;
    const buffer = asBuffer(value);
    hash?.update(buffer);
    yield buffer;
  }
}

/** One PATCH streaming everything; a failure of the source is reported as itself, not as a network error. */
async function patchStreamed(
  transport: RegistryTransport,
  session: UploadSession,
  data: AsyncGenerator<Buffer>,
  state: UploadState,
): Promise<void> {
  let sourceError: unknown = null;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await data.next();
          if (done) {
            controller.close();
            return;
          }
          state.offset += value.length;
          controller.enqueue(value);
        } catch (err) {
          sourceError = err;
          controller.error(err);
        }
      },
    },
    // Read ahead while the socket drains: with the default (one chunk) the source and the wire
    // take turns instead of overlapping.
    new ByteLengthQueuingStrategy({ highWaterMark: STREAM_READ_AHEAD_BYTES }),
  );
  const operation = `PATCH blob upload ${session.repository} (streamed)`;
  let response: Response;
  try {
    response = await transport.send({
      method: 'PATCH',
      url: state.location,
      scopes: pushScopes(session.repository),
      headers: { 'Content-Type': OCTET_STREAM },
      body,
      ok: [202],
      operation,
    });
  } catch (err) {
    throw sourceError ?? err;
  }
  state.chunks = 1;
  await acceptPatch(transport, session, response, state, operation);
}

/** PATCHes of `chunkSize` bytes in order; the next chunk is read while the previous one is on the wire. */
async function patchInChunks(
  transport: RegistryTransport,
  session: UploadSession,
  data: AsyncGenerator<Buffer>,
  chunkSize: number,
  state: UploadState,
): Promise<void> {
  const patch = async (chunk: Buffer): Promise<void> => {
    const start = state.offset;
    const end = start + chunk.length - 1;
    const operation = `PATCH blob upload ${session.repository} (bytes ${start}-${end})`;
    const response = await transport.send({
      method: 'PATCH',
      url: state.location,
      scopes: pushScopes(session.repository),
      headers: { 'Content-Type': OCTET_STREAM, 'Content-Range': `${start}-${end}` },
      body: chunk,
      ok: [202],
      operation,
    });
    state.offset += chunk.length;
    state.chunks++;
    await acceptPatch(transport, session, response, state, operation);
  };
  let sending: Promise<void> = Promise.resolve();
  try {
    for await (const chunk of rechunk(data, chunkSize)) {
      await sending;
      sending = patch(chunk);
      sending.catch(() => undefined); // awaited before the next chunk; never unhandled meanwhile
    }
  } finally {
    await sending.catch(() => undefined);
  }
  await sending;
}

/** Checks the Range the registry now holds and moves to the Location it answered with. */
async function acceptPatch(
  transport: RegistryTransport,
  session: UploadSession,
  response: Response,
  state: UploadState,
  operation: string,
): Promise<void> {
  await discard(response);
  const range = response.headers.get('range');
  const expected = `0-${state.offset - 1}`;
  if (range !== null && range !== expected) {
    throw transport.error({ operation }, 'PROTOCOL_ERROR', response.status, `the registry holds ${range}, expected ${expected}`);
  }
  state.location = sessionFrom(transport, session.repository, response, state.location).location;
}

function asBuffer(piece: Uint8Array): Buffer {
  return Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
}

async function closeUpload(transport: RegistryTransport, session: UploadSession, digest: string, body?: Buffer): Promise<void> {
  const url = new URL(session.location);
  url.searchParams.set('digest', digest);
  const operation = `PUT blob ${session.repository}@${digest}`;
  const response = await transport.send({
    method: 'PUT',
    url,
    scopes: pushScopes(session.repository),
    headers: { 'Content-Type': OCTET_STREAM },
    body: body ?? Buffer.alloc(0),
    ok: [201],
    operation,
  });
  await discard(response);
  const stored = response.headers.get('docker-content-digest');
  if (stored && stored !== digest) {
    throw transport.error({ operation }, 'DIGEST_MISMATCH', response.status, `the registry stored ${stored}`);
  }
}

/** Best effort: registries also expire abandoned sessions. */
async function cancelUpload(transport: RegistryTransport, session: UploadSession): Promise<void> {
  try {
    const response = await transport.send({
      method: 'DELETE',
      url: session.location,
      scopes: pushScopes(session.repository),
      ok: [204, 404],
      operation: `cancel upload to ${session.repository}`,
    });
    await discard(response);
  } catch {
    // the first failure is the one worth reporting
  }
}

/** Regroups a byte stream into buffers of at least `size` bytes (the last one may be shorter). */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of source) {
    const buffer = asBuffer(piece);
    let at = 0;
    while (at < buffer.length) {
      const take = Math.min(size - held, buffer.length - at);
      parts.push(buffer.subarray(at, at + take));
      held += take;
      at += take;
      if (held === size) {
        yield Buffer.concat(parts, held);
        parts = [];
        held = 0;
      }
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}
