// Test-only entry (`@stagecraft/oci/testing`): a real registry process, skopeo, and fixture
// writers. Production code never imports this.
export * from './hostile-archives';
export * from './layer-reader';
export * from './registry-process';
export * from './seeded-registry';
export * from './skopeo';
export * from './tar-writer';
export * from './zip-writer';
