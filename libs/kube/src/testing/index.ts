// Test-only entry (`@stagecraft/kube/testing`): the fake API server and its helpers. Production
// code never imports this; node-forge, which it uses, is a devDependency.
export * from './fake-job-controller';
export * from './fake-kube-api';
export * from './fake-kube-api-server';
export * from './kube-status';
export * from './object-store';
export * from './patches';
export * from './pod-log-buffer';
export * from './resource-types';
export * from './selectors';
export * from './test-pki';
export * from './wait-for';
