/** What a streaming archive reader reports, in archive order. */
export interface ArchiveEntrySink {
  /** Returns true when the entry's content is wanted (then `content` follows once it is read). */
  entry(path: string, isDirectory: boolean): boolean;
  /** The first bytes of a wanted entry, at most MAX_WANTED_ENTRY_BYTES. */
  content(path: string, bytes: Buffer): void;
}

/** A push parser: the caller writes the archive's bytes once, in order, and awaits each write. */
export interface ArchiveReader {
  /** Resolves when the reader can take more bytes; rejects with ArchiveRejection when the archive is bad. */
  write(chunk: Buffer): Promise<void>;
  /** Resolves when the whole archive was read and is complete; rejects with ArchiveRejection otherwise. */
  end(): Promise<void>;
  /** Frees zlib handles and parser state; safe to call at any time, more than once. */
  destroy(): void;
}

/** Only small entries (a manifest) are wanted by a sink, and only this much of each is held. */
export const MAX_WANTED_ENTRY_BYTES = 64 * 1024;
