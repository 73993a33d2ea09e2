export * from './dependency.errors';
export * from './dependency-layer';
export * from './dependency-plan';
export * from './install-failure';
export * from './installed-tree';
export { NPM_LOCKFILES, type NpmLockfileName } from './npm-manifests';
export * from './package-manifests';
export * from './requirements-txt';
