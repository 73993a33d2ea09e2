// `@stagecraft/archive`: reading package archives (zip, tar.gz, tar) safely, the same way for
// inspection at upload (streaming, one pass) and for a build's unpacker (from a file on disk).
export * from './archive-format';
export * from './archive-guard';
export type { ArchiveItem } from './archive-item';
export * from './archive-path';
export * from './archive-reader';
export * from './archive-rejection';
export type { ByteRangeSource } from './byte-range-source';
export * from './create-archive-reader';
export * from './tar/tar-kind';
export { stageTarItems } from './tar/tar-stager';
export { TarStreamReader } from './tar/tar-stream.reader';
export * from './top-folder';
export * from './unpack-limits';
export { readZipItems } from './zip/zip-directory.reader';
export { MAX_SCAN_ENTRY_READS, scanZipDirectory, type ZipDirectoryScan } from './zip/zip-directory.scanner';
export * from './zip/zip-layout';
export { ZipStreamReader } from './zip/zip-stream.reader';
