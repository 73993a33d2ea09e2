import { Injectable } from '@nestjs/common';
import type { BuildLogChunkDto } from '@stagecraft/contracts';
import { DataSource } from 'typeorm';

import type { BuildLogs } from '../domain/build-logs';
import type { LogCursors } from './build.entity';
import { BuildRepository } from './build.repository';

/**
 * Build logs in chunks keyed by their byte offset, so a reader resumes from any offset and logs
 * outlive whatever produced them. Appends to one build are serialised by the caller.
 */
@Injectable()
export class BuildLogStore implements BuildLogs {
  private readonly ends = new Map<string, Promise<number | null>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly builds: BuildRepository,
  ) {}

  /**
   * Appends text (lines end with \n) and returns the offset after it. With `cursor`, the build's
   * log cursor is written in the same transaction: what was read and where reading stopped never
   * disagree, so a resumed reader neither loses nor repeats a line.
   */
  append(buildId: string, text: string, cursor?: LogCursors): Promise<number> {
    // After a failed append the end is read again from the table (null: not known).
    const previous = (this.ends.get(buildId) ?? Promise.resolve(null)).then((end) => end ?? this.endOf(buildId));
    const next = previous.then(async (offset) => {
      await this.dataSource.transaction(async (manager) => {
        if (text)
          await manager.query('INSERT INTO build_log_chunks (build_id, "offset", text) VALUES ($1, $2, $3)', [
            buildId,
            offset,
            text,
          ]);
        if (cursor) await this.builds.saveLogCursor(manager, buildId, cursor);
      });
      return offset + Buffer.byteLength(text, 'utf8');
    });
    this.ends.set(
      buildId,
      next.catch(() => null),
    );
    return next;
  }

  /** Forgets a finished build's write position. */
  close(buildId: string): void {
    this.ends.delete(buildId);
  }

  /** Up to `limit` bytes from `offset` (chunks are never split, so a reader never gets half a character). */
  async read(buildId: string, offset: number, limit: number, finished: boolean): Promise<BuildLogChunkDto> {
    const rows: { offset: string; text: string }[] = await this.dataSource.query(
      `SELECT "offset", text FROM build_log_chunks WHERE build_id = $1 AND "offset" + octet_length(text) > $2 ORDER BY "offset"`,
      [buildId, offset],
    );
    let text = '';
    let nextOffset = offset;
    for (const row of rows) {
      const start = Number(row.offset);
      const bytes = Buffer.from(row.text, 'utf8');
      const slice = start < offset ? bytes.subarray(offset - start) : bytes;
      if (text.length > 0 && Buffer.byteLength(text) + slice.length > limit) break;
      text += slice.toString('utf8');
      nextOffset = start + bytes.length;
    }
    const end = rows.length ? Number(rows.at(-1)!.offset) + Buffer.byteLength(rows.at(-1)!.text, 'utf8') : offset;
    return { buildId, offset, text, nextOffset, complete: finished && nextOffset >= end };
  }

  private async endOf(buildId: string): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT coalesce(max("offset" + octet_length(text)), 0) AS end FROM build_log_chunks WHERE build_id = $1`,
      [buildId],
    );
    return Number(row.end);
  }
}
