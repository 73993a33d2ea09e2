import type { BuildRetentionSettingsDto } from '@stagecraft/contracts';

/**
 * How much finished build history a job keeps (docs/package-jobs.md#build-history). A finished
 * build goes, with its log, when it is beyond the newest `keepSucceeded` SUCCEEDED builds of its job
 * or the newest `keepFailed` of its other ends, or when it finished more than `maxAgeDays` ago;
 * 0 turns a rule off. Never pruned: an unfinished build, the newest SUCCEEDED build of a job (what
 * the job's image is) and the newest build of a job (its number would be given again).
 *
 * A job follows its own policy if it has one, else its project's, else the platform's
 * (BUILD_HISTORY_*): the nearest one whole, never field by field.
 */
export type BuildHistoryPolicy = BuildRetentionSettingsDto;

/** The platform's policy: what a job follows when neither it nor its project has one. */
export function platformBuildHistoryPolicy(config: {
  BUILD_HISTORY_KEEP_SUCCEEDED: number;
  BUILD_HISTORY_KEEP_FAILED: number;
  BUILD_HISTORY_MAX_AGE_DAYS: number;
  BUILD_HISTORY_DELETE_IMAGES: boolean;
}): BuildHistoryPolicy {
  return {
    keepSucceeded: config.BUILD_HISTORY_KEEP_SUCCEEDED,
    keepFailed: config.BUILD_HISTORY_KEEP_FAILED,
    maxAgeDays: config.BUILD_HISTORY_MAX_AGE_DAYS,
    deleteImages: config.BUILD_HISTORY_DELETE_IMAGES,
  };
}
