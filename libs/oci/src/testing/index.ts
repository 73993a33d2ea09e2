// Test-only entry (`@stagecraft/oci/testing`): a real registry process, skopeo, a layer reader
// and the install commands specs expect. Production code never imports this. The archive writers
// are in @stagecraft/archive/testing.
export * from './demo-base-images';
export * from './install-commands';
export * from './layer-reader';
export * from './registry-process';
export * from './seeded-registry';
export * from './skopeo';
export * from './tiny-image';
