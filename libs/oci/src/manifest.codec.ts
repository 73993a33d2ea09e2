import type { Descriptor, ImageIndex, ImageManifest } from './manifest.types';
import {
  type ImageManifestMediaType,
  type IndexMediaType,
  isImageManifestMediaType,
  isIndexMediaType,
  type ManifestMediaType,
  MediaTypes,
} from './media-types';

export type DecodedManifest =
  | { kind: 'image'; mediaType: ImageManifestMediaType; body: ImageManifest }
  | { kind: 'index'; mediaType: IndexMediaType; body: ImageIndex };

/** Thrown for bytes that are not a manifest this library handles; the client turns it into a RegistryError. */
export class ManifestDecodeError extends Error {
  constructor(
    readonly code: 'MANIFEST_INVALID' | 'UNSUPPORTED_MEDIA_TYPE',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads manifest bytes: the media type comes from Content-Type, else from the body's `mediaType`,
 * else (OCI allows leaving it out) from the shape. Schema 1 and artifact types are refused.
 */
export function decodeManifest(bytes: Buffer, contentType: string | null): DecodedManifest {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ManifestDecodeError('MANIFEST_INVALID', 'the manifest is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ManifestDecodeError('MANIFEST_INVALID', 'the manifest is not a JSON object');
  }
  const header = contentType?.split(';')[0].trim().toLowerCase() ?? '';
  const declared = typeof body['mediaType'] === 'string' ? body['mediaType'] : '';
  const mediaType = [header, declared].find((t) => isImageManifestMediaType(t) || isIndexMediaType(t)) ?? guess(body);
  if (!mediaType) {
    const shown = declared || header || 'none';
    throw new ManifestDecodeError('UNSUPPORTED_MEDIA_TYPE', `unsupported manifest media type ${shown}`);
  }
  if (body['schemaVersion'] !== 2) throw new ManifestDecodeError('MANIFEST_INVALID', 'the manifest is not schemaVersion 2');
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(body['manifests']) || !body['manifests'].every(isDescriptor)) {
      throw new ManifestDecodeError('MANIFEST_INVALID', 'the index has no valid "manifests" list');
    }
    return { kind: 'index', mediaType, body: body as unknown as ImageIndex };
  }
  if (!isDescriptor(body['config']) || !Array.isArray(body['layers']) || !body['layers'].every(isDescriptor)) {
    throw new ManifestDecodeError('MANIFEST_INVALID', 'the manifest lacks a valid "config" or "layers"');
  }
  return { kind: 'image', mediaType: mediaType as ImageManifestMediaType, body: body as unknown as ImageManifest };
}

function guess(body: Record<string, unknown>): ManifestMediaType | undefined {
  if (body['mediaType'] !== undefined) return undefined;
  if (Array.isArray(body['manifests'])) return MediaTypes.ociIndex;
  if (body['config'] !== undefined && Array.isArray(body['layers'])) return MediaTypes.ociManifest;
  return undefined;
}

function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Partial<Descriptor> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.mediaType === 'string' &&
    typeof d.digest === 'string' &&
    typeof d.size === 'number' &&
    Number.isSafeInteger(d.size) &&
    d.size >= 0
  );
}
