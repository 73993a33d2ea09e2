export { inspectPackage } from './inspect-package';
export { inspectStoredPackage } from './inspect-stored-package';
export type {
  ArchiveFormat,
  InspectionResult,
  InspectPackageOptions,
  StoredPackage,
  TechStack,
} from './package-inspection.types';
export { TECH_STACKS } from './package-inspection.types';
export { PRECEDENCE } from './stack-detector';
