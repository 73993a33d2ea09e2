export * from './cyclonedx';
export type { FoundComponent } from './manifest-parsers';
export * from './package-components';
export * from './purl';
