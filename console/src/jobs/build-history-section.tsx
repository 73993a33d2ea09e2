import { type FormEvent, useState } from 'react';
import { useMutation } from 'urql';

import { type ApiProblem, problemOf } from '../api/errors';
import { ActionButton, Field, ProblemBanner } from '../components/form';
import { graphql, type ResultOf } from '../graphql';

export const BuildRetentionFields = graphql(`
  fragment BuildRetentionFields on BuildRetention {
    keepSucceeded
    keepFailed
    maxAgeDays
    deleteImages
    source
  }
`);

const SetJobBuildRetention = graphql(
  `
    mutation SetJobBuildRetention($jobId: ID!, $retention: BuildRetentionInput) {
      setJobBuildRetention(jobId: $jobId, retention: $retention) {
        ...BuildRetentionFields
      }
    }
  `,
  [BuildRetentionFields],
);

type Retention = ResultOf<typeof BuildRetentionFields>;

const SOURCE_LABEL: Record<Retention['source'], string> = {
  JOB: "this job's own",
  PROJECT: "the enterprise project's default",
  PLATFORM: "the platform's default",
};

/** The field a problem names, without the `retention.` the server puts before it. */
const fieldOf = (problem: ApiProblem | null) => problem?.field?.replace(/^retention\./, '') ?? null;

/**
 * How much build history the job keeps (docs/package-jobs.md#build-history): the policy it follows
 * and where that comes from, and, for those who may modify the job, its own policy or none.
 */
export function BuildHistorySection({
  jobId,
  retention,
  refusal,
}: {
  jobId: string;
  retention: Retention;
  /** Why the caller may not set it (no `servicestage:assembling:modify`), or null. */
  refusal: string | null;
}) {
  const [values, setValues] = useState(retention);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [, setRetention] = useMutation(SetJobBuildRetention);

  const send = async (own: boolean) => {
    setSaved(null);
    const { keepSucceeded, keepFailed, maxAgeDays, deleteImages } = values;
    const result = await setRetention({
      jobId,
      retention: own ? { keepSucceeded, keepFailed, maxAgeDays, deleteImages } : null,
    });
    const sendProblem = problemOf(result.error);
    setProblem(sendProblem);
    if (sendProblem || !result.data) return;
    setValues(result.data.setJobBuildRetention);
    setSaved(own ? 'Saved: this job keeps its own build history policy.' : "This job follows its project's policy again.");
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(true);
  };
  const problemField = fieldOf(problem);
  const count = (name: 'keepSucceeded' | 'keepFailed' | 'maxAgeDays', label: string, hint: string) => (
    <Field label={label} hint={hint} error={problemField === name ? problem?.message : null}>
      {(props) => (
        <input
          {...props}
          type="number"
          min={0}
          step={1}
          value={values[name]}
          disabled={refusal !== null}
          onChange={(event) => setValues({ ...values, [name]: Number(event.target.value) })}
        />
      )}
    </Field>
  );

  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Build history</h2>
      <p>
        Follows {SOURCE_LABEL[values.source]} policy. Never pruned: an unfinished build, the newest succeeded one and the newest
        one.
      </p>
      {saved && (
        <p className="banner" role="status">
          {saved}
        </p>
      )}
      <ProblemBanner problem={problem && !problemField ? problem : null} />
      <form onSubmit={submit} className="retention">
        {count('keepSucceeded', 'Succeeded builds kept', 'The newest ones; 0 keeps all.')}
        {count('keepFailed', 'Other builds kept', 'Failed, cancelled, timed out…: the newest ones; 0 keeps all.')}
        {count('maxAgeDays', 'Longest kept, in days', 'Older finished builds go whatever the counts; 0: no limit.')}
        <div className="field">
          <label>
            <input
              type="checkbox"
              checked={values.deleteImages}
              disabled={refusal !== null}
              onChange={(event) => setValues({ ...values, deleteImages: event.target.checked })}
            />{' '}
            Delete the images of pruned builds too (never one a kept build pushed)
          </label>
        </div>
        <div className="actions">
          <ActionButton type="submit" refusal={refusal}>
            Keep this policy
          </ActionButton>
          {values.source === 'JOB' && (
            <ActionButton type="button" refusal={refusal} onClick={() => void send(false)}>
              Follow the project's policy
            </ActionButton>
          )}
        </div>
      </form>
    </section>
  );
}
