import type { Descriptor, Platform } from './manifest.types';

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', x86: '386', aarch64: 'arm64', armhf: 'arm' };
/** The variant an architecture has when a descriptor leaves it out (containerd's normalization). */
const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };

/** `linux/amd64`, `linux/arm64/v8`: the form `--platform` takes. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export function parsePlatform(value: string): Platform {
  const [os, architecture, variant] = value.split('/');
  if (!os || !architecture) throw new Error(`a platform is os/architecture[/variant], not "${value}"`);
  return { os, architecture, ...(variant && { variant }) };
}

/**
 * The manifest of an index that runs on `wanted`: same OS and architecture, and the same variant
 * once defaults are filled in (arm64 means arm64/v8). Entries without a platform (attestations,
 * `unknown/unknown`) never match. The first match wins, as with docker and containerd.
 */
export function selectPlatformManifest(manifests: readonly Descriptor[], wanted: Platform): Descriptor | null {
  const want = normalize(wanted);
  for (const descriptor of manifests) {
    if (!descriptor.platform) continue;
    const have = normalize(descriptor.platform);
    if (have.os === want.os && have.architecture === want.architecture && have.variant === want.variant) return descriptor;
  }
  return null;
}

function normalize(platform: Platform): { os: string; architecture: string; variant: string } {
  const architecture = ARCH_ALIASES[platform.architecture] ?? platform.architecture;
  return {
    os: platform.os.toLowerCase(),
    architecture,
    variant: platform.variant ?? DEFAULT_VARIANT[architecture] ?? '',
  };
}
