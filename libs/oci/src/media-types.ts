import type { LayerCompression } from './layer.builder';

/** The manifest and config media types this library reads and writes. */
export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export type ImageManifestMediaType = typeof MediaTypes.ociManifest | typeof MediaTypes.dockerManifest;
export type IndexMediaType = typeof MediaTypes.ociIndex | typeof MediaTypes.dockerManifestList;
export type ManifestMediaType = ImageManifestMediaType | IndexMediaType;

/** Sent as `Accept` on every manifest GET/HEAD: both families, images and indexes. */
export const MANIFEST_ACCEPT: readonly ManifestMediaType[] = [
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
  MediaTypes.dockerManifest,
  MediaTypes.dockerManifestList,
];

/** The two families share the JSON shape; only the media types differ. */
export type ManifestFamily = 'oci' | 'docker';

export interface FamilyMediaTypes {
  manifest: ImageManifestMediaType;
  index: IndexMediaType;
  config: string;
  layerGzip: string;
  /**
   * An uncompressed layer, where the family has one every registry and runtime takes: OCI's. The
   * Docker schema 2 manifest names only gzip'd layers, so images on a Docker-family base keep
   * gzip (at level 0 for compressed contents).
   */
  layerTar: string | null;
}

export const FAMILY_MEDIA_TYPES: Record<ManifestFamily, FamilyMediaTypes> = {
  oci: {
    manifest: MediaTypes.ociManifest,
    index: MediaTypes.ociIndex,
    config: MediaTypes.ociConfig,
    layerGzip: MediaTypes.ociLayerGzip,
    layerTar: MediaTypes.ociLayerTar,
  },
  docker: {
    manifest: MediaTypes.dockerManifest,
    index: MediaTypes.dockerManifestList,
    config: MediaTypes.dockerConfig,
    layerGzip: MediaTypes.dockerLayerGzip,
    layerTar: null,
  },
};

/** The media type of a layer blob of `family`, gzip'd or not (where the family has uncompressed layers). */
export function layerMediaType(types: FamilyMediaTypes, compression: LayerCompression): string {
  if (compression === 'gzip') return types.layerGzip;
  if (!types.layerTar) throw new Error(`a ${types.manifest} manifest has no uncompressed layers`);
  return types.layerTar;
}

export function isImageManifestMediaType(value: string): value is ImageManifestMediaType {
  return value === MediaTypes.ociManifest || value === MediaTypes.dockerManifest;
}

export function isIndexMediaType(value: string): value is IndexMediaType {
  return value === MediaTypes.ociIndex || value === MediaTypes.dockerManifestList;
}

export function familyOf(mediaType: ManifestMediaType): ManifestFamily {
  return mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.ociIndex ? 'oci' : 'docker';
}

/** Layers that registries may not serve (Windows base layers): referenced, never copied. */
export function isNonDistributableLayer(mediaType: string): boolean {
  return mediaType.includes('.foreign.') || mediaType.includes('nondistributable');
}
