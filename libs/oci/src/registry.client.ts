import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

import {
  type BlobPushResult,
  pushScopes,
  putBlobFromStream,
  putWholeBlob,
  sessionFrom,
  type StreamUploadOptions,
  type UploadMode,
  type UploadSession,
} from './blob-upload';
import { DigestingStream, isSha256Digest, sha256Digest } from './digest';
import { DOCKER_HUB, DOCKER_HUB_API_HOST } from './image-reference';
import { type DecodedManifest, decodeManifest, ManifestDecodeError } from './manifest.codec';
import type { ImageIndex, ImageManifest, Platform } from './manifest.types';
import {
  type ImageManifestMediaType,
  type IndexMediaType,
  MANIFEST_ACCEPT,
  type ManifestMediaType,
  MediaTypes,
} from './media-types';
import { DEFAULT_PLATFORM, formatPlatform, selectPlatformManifest } from './platform';
import { RegistryAuth, type RegistryCredentials, type RegistryTokenSource } from './registry.auth';
import { discard, readLimited, type RegistryRequest, RegistryTransport } from './registry.transport';

export interface RegistryClientOptions {
  /** `host[:port]` as in image references; `docker.io` is served from registry-1.docker.io. */
  registry: string;
  credentials?: RegistryCredentials;
  /**
   * Signs its own Bearer tokens for the scopes a registry asks for, instead of asking the realm:
   * for the holder of the registry's token key (the launcher seeding base images before the
   * token endpoint is up).
   */
  tokenSource?: RegistryTokenSource;
  /** Plain http. Defaults to true for loopback hosts (localhost, 127.0.0.0/8, [::1]) only. */
  insecure?: boolean;
  /** Which manifest of an index `getManifest` returns; linux/amd64 by default. */
  platform?: Platform;
  /** How blobs of unknown length go up: one streamed PATCH (default) or PATCHes of `chunkSize`. */
  uploadMode?: UploadMode;
  /** Bytes per PATCH in chunked mode, and the size under which a blob goes up in one request; 8 MiB by default. */
  chunkSize?: number;
  /** Aborts every request of this client (a cancelled build). */
  signal?: AbortSignal;
  /** Largest manifest or config read into memory; 4 MiB by default (the distribution limit). */
  maxManifestBytes?: number;
  fetch?: typeof fetch;
  userAgent?: string;
}

export interface ManifestResponse<T> {
  mediaType: ManifestMediaType;
  digest: string;
  size: number;
  bytes: Buffer;
  body: T;
}

export interface PulledImageManifest extends ManifestResponse<ImageManifest> {
  mediaType: ImageManifestMediaType;
  /** Set when the reference named an index and the platform's manifest was picked from it. */
  index?: { digest: string; mediaType: IndexMediaType; platform: Platform };
}

export type MountResult = { mounted: true } | { mounted: false; session: UploadSession };

export interface BlobDownload {
  /** The blob's bytes; the stream fails at its end when they do not hash to the digest asked for. */
  stream: Readable;
  size: number;
}

export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** A client for one registry host, per the OCI distribution spec. */
export class RegistryClient {
  readonly registry: string;
  readonly platform: Platform;
  private readonly transport: RegistryTransport;
  private readonly chunkSize: number;
  private readonly uploadMode: UploadMode;
  private readonly maxManifestBytes: number;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.platform = options.platform ?? DEFAULT_PLATFORM;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.uploadMode = options.uploadMode ?? 'stream';
    this.maxManifestBytes = options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
    const insecure = options.insecure ?? isLoopback(options.registry);
    const host = options.registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : options.registry;
    const fetchFn = options.fetch ?? fetch;
    this.transport = new RegistryTransport({
      registry: options.registry,
      baseUrl: new URL(`${insecure ? 'http' : 'https'}://${host}/`),
      auth: new RegistryAuth({
        registry: options.registry,
        credentials: options.credentials,
        tokenSource: options.tokenSource,
        allowHttpRealm: insecure,
        fetch: fetchFn,
      }),
      fetch: fetchFn,
      signal: options.signal,
      userAgent: options.userAgent ?? 'stagecraft-oci/1',
    });
  }

  /**
   * The image manifest `reference` (tag or digest) names. For an index the configured platform's
   * manifest is fetched; `index` then says which index it came from.
   */
  async getManifest(repository: string, reference: string): Promise<PulledImageManifest> {
    const first = await this.getManifestOrIndex(repository, reference);
    if (first.decoded.kind === 'image')
      return { ...first.response, mediaType: first.decoded.mediaType, body: first.decoded.body };
    const chosen = selectPlatformManifest(first.decoded.body.manifests, this.platform);
    if (!chosen) {
      const offered =
        first.decoded.body.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : [])).join(', ') || 'none';
      throw this.transport.error(
        { operation: `GET manifest ${repository}:${reference}` },
        'PLATFORM_UNAVAILABLE',
        null,
        `the index has no manifest for ${formatPlatform(this.platform)} (it has: ${offered})`,
      );
    }
    const child = await this.getManifestOrIndex(repository, chosen.digest);
    if (child.decoded.kind !== 'image') {
      throw this.transport.error(
        { operation: `GET manifest ${repository}@${chosen.digest}` },
        'UNSUPPORTED_MEDIA_TYPE',
        null,
        'an index inside an index',
      );
    }
    return {
      ...child.response,
      mediaType: child.decoded.mediaType,
      body: child.decoded.body,
      index: { digest: first.response.digest, mediaType: first.decoded.mediaType, platform: chosen.platform ?? this.platform },
    };
  }

  /** Whatever `reference` names, image manifest or index, without resolving a platform. */
  async getRawManifest(repository: string, reference: string): Promise<ManifestResponse<ImageManifest | ImageIndex>> {
    const { response, decoded } = await this.getManifestOrIndex(repository, reference);
    return { ...response, mediaType: decoded.mediaType, body: decoded.body };
  }

  /** Digest, media type and size of a manifest, or null when the reference is unknown. */
  async headManifest(repository: string, reference: string): Promise<{ digest: string; mediaType: string; size: number } | null> {
    const response = await this.send({
      method: 'HEAD',
      url: manifestPath(repository, reference),
      scopes: pullScopes(repository),
      headers: { Accept: MANIFEST_ACCEPT.join(', ') },
      ok: [200, 404],
      operation: `HEAD manifest ${repository}:${reference}`,
    });
    await discard(response);
    if (response.status === 404) return null;
    return {
      digest: response.headers.get('docker-content-digest') ?? '',
      mediaType: response.headers.get('content-type')?.split(';')[0] ?? '',
      size: Number(response.headers.get('content-length') ?? 0),
    };
  }

  /** Pushes manifest bytes under a tag or digest, with their media type as Content-Type; returns the digest. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: ManifestMediaType): Promise<string> {
    const digest = sha256Digest(bytes);
    const operation = `PUT manifest ${repository}:${reference}`;
    if (isSha256Digest(reference) && reference !== digest) {
      throw this.transport.error({ operation }, 'DIGEST_MISMATCH', null, `the bytes hash to ${digest}`);
    }
    const response = await this.send({
      method: 'PUT',
      url: manifestPath(repository, reference),
      scopes: pushScopes(repository),
      headers: { 'Content-Type': mediaType },
      body: bytes,
      ok: [201],
      operation,
    });
    await discard(response);
    const stored = response.headers.get('docker-content-digest');
    if (stored && stored !== digest)
      throw this.transport.error({ operation }, 'DIGEST_MISMATCH', 201, `the registry stored ${stored}`);
    return digest;
  }

  /**
   * Deletes the manifest `digest` names, with every tag on it in this repository; false when the
   * registry does not have it (already deleted). Blobs stay until the registry collects garbage.
   */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    const operation = `DELETE manifest ${repository}@${digest}`;
    if (!isSha256Digest(digest)) throw this.transport.error({ operation }, 'DIGEST_INVALID', null, 'only a digest is deleted');
    const response = await this.send({
      method: 'DELETE',
      url: manifestPath(repository, digest),
      scopes: [`repository:${repository}:delete`],
      ok: [202, 404],
      operation,
    });
    await discard(response);
    return response.status === 202;
  }

  /** Streams a blob; the stream errors with DIGEST_MISMATCH when the bytes are not what `digest` says. */
  async getBlob(repository: string, digest: string): Promise<BlobDownload> {
    const { response, operation } = await this.requestBlob(repository, digest);
    if (!response.body) throw this.transport.error({ operation }, 'PROTOCOL_ERROR', response.status, 'the answer has no body');
    const verifier = new DigestingStream({
      digest,
      onMismatch: (actual) =>
        this.transport.error({ operation }, 'DIGEST_MISMATCH', response.status, `the bytes hash to ${actual}`),
    });
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    body.on('error', (err) => verifier.destroy(err));
    return { stream: body.pipe(verifier), size: Number(response.headers.get('content-length') ?? -1) };
  }

  /** A small blob (a config) in memory, verified against its digest. */
  async getBlobBytes(repository: string, digest: string, maxBytes = this.maxManifestBytes): Promise<Buffer> {
    const { response, operation } = await this.requestBlob(repository, digest);
    const bytes = await this.readSmall(response, maxBytes, operation);
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw this.transport.error({ operation }, 'DIGEST_MISMATCH', 200, `the bytes hash to ${actual}`);
    return bytes;
  }

  /** The answer to GET of a blob the repository has (200), and the operation that names it in errors. */
  private async requestBlob(repository: string, digest: string): Promise<{ response: Response; operation: string }> {
    const operation = `GET blob ${repository}@${digest}`;
    const response = await this.send({
      method: 'GET',
      url: blobPath(repository, digest),
      scopes: pullScopes(repository),
      ok: [200],
      operation,
    });
    return { response, operation };
  }

  /** The blob's size when the repository has it, else null (HEAD). */
  async statBlob(repository: string, digest: string): Promise<{ size: number } | null> {
    const response = await this.send({
      method: 'HEAD',
      url: blobPath(repository, digest),
      scopes: pullScopes(repository),
      ok: [200, 404],
      operation: `HEAD blob ${repository}@${digest}`,
    });
    await discard(response);
    return response.status === 200 ? { size: Number(response.headers.get('content-length') ?? -1) } : null;
  }

  /**
   * Whether the registry serves the OCI 1.1 referrers API (GET /v2/<name>/referrers/<digest>
   * answering an image index). Registries without it answer 404 (distribution 2.x), 400 or 405.
   */
  async referrersSupported(repository: string, digest: string): Promise<boolean> {
    const response = await this.send({
      method: 'GET',
      url: `/v2/${repository}/referrers/${digest}`,
      scopes: pullScopes(repository),
      headers: { Accept: MediaTypes.ociIndex },
      ok: [200, 400, 404, 405],
      operation: `GET referrers ${repository}@${digest}`,
    });
    await discard(response);
    return response.status === 200 && response.headers.get('content-type')?.split(';')[0].trim() === MediaTypes.ociIndex;
  }

  async blobExists(repository: string, digest: string): Promise<boolean> {
    return (await this.statBlob(repository, digest)) !== null;
  }

  /**
   * Cross-repository mount. 201: the blob is now in `repository`. 202: the registry opened an
   * ordinary upload session instead (it lacks the blob, or will not mount it); upload into it.
   */
  async mountBlob(repository: string, digest: string, fromRepository: string): Promise<MountResult> {
    const url = this.transport.resolve(`/v2/${repository}/blobs/uploads/`);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', fromRepository);
    const response = await this.send({
      method: 'POST',
      url,
      scopes: [...pushScopes(repository), ...pullScopes(fromRepository)],
      ok: [201, 202],
      operation: `mount ${digest} from ${fromRepository} into ${repository}`,
    });
    await discard(response);
    if (response.status === 201) return { mounted: true };
    return { mounted: false, session: sessionFrom(this.transport, repository, response, url) };
  }

  /** Opens an upload session (POST). */
  async startUpload(repository: string): Promise<UploadSession> {
    const url = this.transport.resolve(`/v2/${repository}/blobs/uploads/`);
    const response = await this.send({
      method: 'POST',
      url,
      scopes: pushScopes(repository),
      ok: [202],
      operation: `start upload to ${repository}`,
    });
    await discard(response);
    return sessionFrom(this.transport, repository, response, url);
  }

  /** Monolithic upload: POST, then PUT `?digest=` with the bytes. */
  async uploadBlob(repository: string, bytes: Buffer, session?: UploadSession): Promise<BlobPushResult> {
    return putWholeBlob(this.transport, session ?? (await this.startUpload(repository)), bytes);
  }

  /**
   * Uploads a stream of unknown length without holding more than about two chunks: streamed or
   * chunked (see UploadMode); one request when it fits in a chunk. With `expectedDigest`, bytes
   * that hash otherwise are not committed.
   */
  async uploadBlobStream(
    repository: string,
    source: AsyncIterable<Uint8Array>,
    options: Partial<Pick<StreamUploadOptions, 'expectedDigest' | 'digestOfSource' | 'mode' | 'chunkSize'>> & {
      session?: UploadSession;
    } = {},
  ): Promise<BlobPushResult> {
    const session = options.session ?? (await this.startUpload(repository));
    return putBlobFromStream(this.transport, session, source, {
      mode: options.mode ?? this.uploadMode,
      chunkSize: options.chunkSize ?? this.chunkSize,
      expectedDigest: options.expectedDigest,
      digestOfSource: options.digestOfSource,
    });
  }

  private async getManifestOrIndex(
    repository: string,
    reference: string,
  ): Promise<{ response: Omit<ManifestResponse<unknown>, 'mediaType' | 'body'>; decoded: DecodedManifest }> {
    const operation = `GET manifest ${repository}:${reference}`;
    const response = await this.send({
      method: 'GET',
      url: manifestPath(repository, reference),
      scopes: pullScopes(repository),
      headers: { Accept: MANIFEST_ACCEPT.join(', ') },
      ok: [200],
      operation,
    });
    const bytes = await this.readSmall(response, this.maxManifestBytes, operation);
    const digest = sha256Digest(bytes);
    const announced = response.headers.get('docker-content-digest');
    if ((isSha256Digest(reference) && reference !== digest) || (announced && isSha256Digest(announced) && announced !== digest)) {
      throw this.transport.error({ operation }, 'DIGEST_MISMATCH', 200, `the manifest bytes hash to ${digest}`);
    }
    try {
      return {
        response: { digest, size: bytes.length, bytes },
        decoded: decodeManifest(bytes, response.headers.get('content-type')),
      };
    } catch (err) {
      if (err instanceof ManifestDecodeError) throw this.transport.error({ operation }, err.code, 200, err.message);
      throw err;
    }
  }

  private async readSmall(response: Response, limit: number, operation: string): Promise<Buffer> {
    try {
      return await readLimited(response, limit);
    } catch (err) {
      if (err instanceof RangeError) throw this.transport.error({ operation }, 'TOO_LARGE', response.status, err.message);
      throw err;
    }
  }

  private send(request: RegistryRequest): Promise<Response> {
    return this.transport.send(request);
  }
}

export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(host) || host === '[::1]';
}

function pullScopes(repository: string): string[] {
  return [`repository:${repository}:pull`];
}

function manifestPath(repository: string, reference: string): string {
  return `/v2/${repository}/manifests/${reference}`;
}

function blobPath(repository: string, digest: string): string {
  return `/v2/${repository}/blobs/${digest}`;
}
