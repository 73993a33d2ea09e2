// Test-only entry (`@stagecraft/archive/testing`): archives written for tests, from well-formed
// ones to zip bombs, in memory, streamed, or by real tools. Production code never imports this.
export * from './archive-workshop';
export * from './hostile-archives';
export * from './memory-range-source';
export * from './reader-harness';
export * from './streamed-archives';
export * from './tar-writer';
export * from './test-bytes';
export * from './zip-headers';
export * from './zip-writer';
export * from './zip64-writer';
