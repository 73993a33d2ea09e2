import type { Descriptor } from './manifest.types';
import { formatPlatform, parsePlatform, selectPlatformManifest } from './platform';

const d = (digest: string, platform?: Descriptor['platform']): Descriptor => ({ mediaType: 'm', digest, size: 1, platform });

describe('selectPlatformManifest', () => {
  const manifests = [
    d('attestation', { os: 'unknown', architecture: 'unknown' }),
    d('nothing'),
    d('arm', { os: 'linux', architecture: 'arm', variant: 'v7' }),
    d('arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    d('amd64', { os: 'linux', architecture: 'amd64' }),
    d('windows', { os: 'windows', architecture: 'amd64' }),
  ];

  it.each([
    ['linux/amd64', 'amd64'],
    ['linux/arm64', 'arm64'],
    ['linux/arm64/v8', 'arm64'],
    ['linux/arm', 'arm'],
    ['windows/amd64', 'windows'],
  ])('%s → %s', (wanted, digest) => expect(selectPlatformManifest(manifests, parsePlatform(wanted))?.digest).toBe(digest));

  it('accepts aliases and misses cleanly', () => {
    expect(selectPlatformManifest(manifests, { os: 'linux', architecture: 'x86_64' })?.digest).toBe('amd64');
    expect(selectPlatformManifest(manifests, { os: 'linux', architecture: 's390x' })).toBeNull();
  });

  it('formats', () => expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8'));
});
