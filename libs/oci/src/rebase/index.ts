export * from './image-rebase';
export * from './rebase.error';
export * from './rebase-composition';
