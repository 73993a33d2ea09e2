/**
 * How much finished build history each job keeps (docs/package-jobs.md#build-history). A finished
 * build goes, with its log, when it is beyond the newest `keepSucceeded` SUCCEEDED builds of its job
 * or the newest `keepFailed` of its other ends, or when it finished more than `maxAgeSeconds` ago;
 * 0 turns a rule off. Never pruned: an unfinished build, the newest SUCCEEDED build of a job (what
 * the job's image is) and the newest build of a job (its number would be given again).
 */
export interface BuildHistoryPolicy {
  keepSucceeded: number;
  keepFailed: number;
  maxAgeSeconds: number;
}

/** Whether the policy prunes anything at all. */
export function prunesAnything(policy: BuildHistoryPolicy): boolean {
  return policy.keepSucceeded > 0 || policy.keepFailed > 0 || policy.maxAgeSeconds > 0;
}
