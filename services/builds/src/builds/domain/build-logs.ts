import type { BuildLogChunkDto } from '@stagecraft/contracts';

/** The builds' logs (BuildLogStore). */
export abstract class BuildLogs {
  /** Up to `limit` bytes from `offset`; `complete` once a finished build's log has been read to its end. */
  abstract read(buildId: string, offset: number, limit: number, finished: boolean): Promise<BuildLogChunkDto>;
}
