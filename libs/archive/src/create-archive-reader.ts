import type { ArchiveFormat } from './archive-format';
import type { ArchiveGuard } from './archive-guard';
import type { ArchiveEntrySink, ArchiveReader } from './archive-reader';
import { TarStreamReader } from './tar/tar-stream.reader';
import { ZipStreamReader } from './zip/zip-stream.reader';

/** The streaming reader for `format`: it reports entries to `sink` and holds them to `guard`'s rules. */
export function createArchiveReader(format: ArchiveFormat, sink: ArchiveEntrySink, guard: ArchiveGuard): ArchiveReader {
  return format === 'zip' ? new ZipStreamReader(sink, guard) : new TarStreamReader(format, sink, guard);
}
