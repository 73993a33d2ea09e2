// Payload classes carry decorator metadata; load the polyfill wherever contracts are used.
import 'reflect-metadata';

export * from './artifacts/artifacts.dto';
export * from './artifacts/artifacts.requests';
export * from './artifacts/artifacts.subjects';
export * from './builds/builds.dto';
export * from './builds/builds.requests';
export * from './builds/builds.subjects';
export * from './clusters/clusters.dto';
export * from './clusters/clusters.requests';
export * from './clusters/clusters.subjects';
export * from './common/page';
export * from './common/resource-name';
export * from './common/tech-stack';
export * from './errors/error-code';
export * from './errors/service-error';
export * from './headers';
export * from './health';
export * from './iam/iam.dto';
export * from './iam/iam.requests';
export * from './iam/iam.subjects';
export * from './iam/registry.contracts';
export * from './jobs/jobs.dto';
export * from './jobs/jobs.requests';
export * from './jobs/jobs.subjects';
export * from './subject-map';
export * from './subject-senders';
