export * from './base-image.builder';
export * from './base-image.cache';
export * from './base-image.catalog';
export * from './definitions';
