import { type FormEvent, useState } from 'react';

import { type ApiProblem } from '../api/errors';
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

export type Retention = ResultOf<typeof BuildRetentionFields>;
export type RetentionInput = Omit<Retention, 'source'>;

/** What a save answers: the policy that holds afterwards, or why it was refused. */
export type RetentionSaved = { retention: Retention | null; problem: ApiProblem | null };

const SOURCE_LABEL: Record<Retention['source'], string> = {
  JOB: "this job's own",
  PROJECT: "the enterprise project's default",
  PLATFORM: "the platform's default",
};

/** Whose policy the section sets, and what it follows without one. */
const OWNERS = {
  JOB: {
    heading: 'Build history',
    follows: 'Follows',
    saved: 'Saved: this job keeps its own build history policy.',
    inherit: "Follow the project's policy",
    inherited: "This job follows its project's policy again.",
  },
  PROJECT: {
    heading: 'Build history default',
    follows: "The project's jobs without a policy of their own follow",
    saved: "Saved: the project's jobs without a policy of their own keep this one.",
    inherit: "Follow the platform's policy",
    inherited: "The project's jobs follow the platform's policy again.",
  },
} as const;

/** The field a problem names, without the `retention.` the server puts before it. */
const fieldOf = (problem: ApiProblem | null) => problem?.field?.replace(/^retention\./, '') ?? null;

/**
 * How much build history is kept (docs/package-jobs.md#build-history): the policy that holds and
 * where it comes from, and, for those who may modify, the owner's own policy or none.
 */
export function BuildHistorySection({
  owner,
  retention,
  refusal,
  save,
}: {
  owner: keyof typeof OWNERS;
  retention: Retention;
  /** Why the caller may not set it (no `servicestage:assembling:modify`), or null. */
  refusal: string | null;
  /** Sets the owner's own policy, or drops it (null). */
  save: (retention: RetentionInput | null) => Promise<RetentionSaved>;
}) {
  const text = OWNERS[owner];
  const [values, setValues] = useState(retention);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const send = async (own: boolean) => {
    setSaved(null);
    const { keepSucceeded, keepFailed, maxAgeDays, deleteImages } = values;
    const result = await save(own ? { keepSucceeded, keepFailed, maxAgeDays, deleteImages } : null);
    setProblem(result.problem);
    if (!result.retention) return;
    setValues(result.retention);
    setSaved(own ? text.saved : text.inherited);
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
    <section aria-labelledby={`history-${owner}`}>
      <h2 id={`history-${owner}`}>{text.heading}</h2>
      <p>
        {text.follows} {SOURCE_LABEL[values.source]} policy. Never pruned: an unfinished build, a job&apos;s newest succeeded one
        and its newest one.
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
          {values.source === owner && (
            <ActionButton type="button" refusal={refusal} onClick={() => void send(false)}>
              {text.inherit}
            </ActionButton>
          )}
        </div>
      </form>
    </section>
  );
}
