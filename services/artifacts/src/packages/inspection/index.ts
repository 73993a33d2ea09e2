export { inspectPackage } from './inspect-package';
export type { ArchiveFormat, InspectionResult, InspectPackageOptions, TechStack } from './package-inspection.types';
export { TECH_STACKS } from './package-inspection.types';
export { PRECEDENCE } from './stack-detector';
