// Payload classes carry decorator metadata; load the polyfill wherever contracts are used.
import 'reflect-metadata';

export * from './errors/error-code';
export * from './errors/service-error';
export * from './headers';
export * from './health';
export * from './iam/iam.dto';
export * from './iam/iam.requests';
export * from './iam/iam.subjects';
export * from './subject-map';
