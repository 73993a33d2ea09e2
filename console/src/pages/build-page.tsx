import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';

import { Action } from '../api/actions';
import { RECONNECTED_EVENT } from '../api/client';
import { type ApiProblem, isMissing, problemOf } from '../api/errors';
import { LogView } from '../builds/log-view';
import { useBuildLog } from '../builds/use-build-log';
import { formatSeconds } from '../components/duration';
import { ActionButton, ProblemBanner } from '../components/form';
import { StatusBadge, TERMINAL_BUILD_STATUSES } from '../components/status';
import { graphql, type ResultOf } from '../graphql';
import { Link } from '../routing/router';
import { refusalIn, useProjects } from '../session/projects';
import { NotFound } from './not-found';

const BuildFields = graphql(`
  fragment BuildFields on Build {
    id
    number
    status
    phase
    phases {
      phase
      startedAt
      finishedAt
      outcome
    }
    reason
    message
    node
    image
    imageDigest
    pullCommand
    createdAt
    startedAt
    finishedAt
  }
`);

const BuildQuery = graphql(
  `
    query Build($id: ID!) {
      build(id: $id) {
        ...BuildFields
        job {
          id
          name
          enterpriseProject {
            id
          }
        }
      }
    }
  `,
  [BuildFields],
);

const BuildEventsSubscription = graphql(
  `
    subscription BuildEvents($buildId: ID!, $afterSequence: Float) {
      buildEvents(buildId: $buildId, afterSequence: $afterSequence) {
        sequence
        type
        at
        build {
          ...BuildFields
        }
      }
    }
  `,
  [BuildFields],
);

const CancelBuild = graphql(
  `
    mutation CancelBuild($id: ID!) {
      cancelBuild(id: $id) {
        ...BuildFields
      }
    }
  `,
  [BuildFields],
);

type BuildState = ResultOf<typeof BuildFields>;
interface TimelineEntry {
  sequence: number;
  type: string;
  at: string;
  phase: string | null;
}

export function BuildPage({ id }: { id: string }) {
  const { projects } = useProjects();
  const [{ data, error, fetching }] = useQuery({ query: BuildQuery, variables: { id } });
  const [live, setLive] = useState<BuildState | null>(null);
  const [timeline, setTimeline] = useState<TimelineEntry[]>([]);
  const seen = useRef(new Set<number>());
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [, cancelBuild] = useMutation(CancelBuild);

  // After a reconnect, on from the last event seen (the stream's sequence).
  const [afterSequence, setAfterSequence] = useState<number | null>(null);
  useEffect(() => {
    const resume = () => setAfterSequence(Math.max(0, ...seen.current) || null);
    window.addEventListener(RECONNECTED_EVENT, resume);
    return () => window.removeEventListener(RECONNECTED_EVENT, resume);
  }, []);
  const [{ data: event }] = useSubscription({ query: BuildEventsSubscription, variables: { buildId: id, afterSequence } });
  useEffect(() => {
    const next = event?.buildEvents;
    // graphql-ws subscribes again after a reconnect: an event seen before is not added twice.
    if (!next || seen.current.has(next.sequence)) return;
    seen.current.add(next.sequence);
    const state = next.build as BuildState;
    setLive(state);
    setTimeline((current) => [...current, { sequence: next.sequence, type: next.type, at: next.at, phase: state.phase }]);
  }, [event]);

  const log = useBuildLog(id);
  const now = useNow(1000);
  if (!data && fetching) return <p aria-busy="true">Loading…</p>;
  const stored = data?.build;
  if (!stored) return isMissing(error) ? <NotFound what="This build" /> : <ProblemBanner problem={problemOf(error)} />;
  const build = live && newer(live, stored as BuildState) ? live : (stored as BuildState);
  const project = projects.find((candidate) => candidate.id === stored.job.enterpriseProject.id) ?? null;
  const terminal = TERMINAL_BUILD_STATUSES.has(build.status);

  const cancel = async () => {
    const result = await cancelBuild({ id: build.id });
    setProblem(problemOf(result.error));
    if (result.data) setLive(result.data.cancelBuild as BuildState);
  };

  return (
    <>
      <h1>
        <Link to={`/jobs/${stored.job.id}`}>{stored.job.name}</Link> · build #{build.number}
      </h1>
      <ProblemBanner problem={problem} />
      <p className="build-status" aria-live="polite">
        <StatusBadge status={build.status} />
        {build.phase && !terminal && <span> — phase {build.phase}</span>}
        {build.reason && <span> — {build.reason}</span>}
        {build.message && <span> — {build.message}</span>}
      </p>
      {!terminal && (
        <ActionButton
          type="button"
          refusal={refusalIn(project, Action.jobModify)}
          onClick={() => void cancel()}
          disabled={build.status === 'CANCELLING'}
        >
          Cancel build
        </ActionButton>
      )}
      <dl className="facts">
        <dt>Duration</dt>
        <dd>{formatDuration(build, now)}</dd>
        <dt>Node</dt>
        <dd>{build.node ?? '—'}</dd>
        <dt>Digest</dt>
        <dd>{build.imageDigest ? <Copyable text={build.imageDigest} label="digest" /> : '—'}</dd>
        <dt>Image</dt>
        <dd>{build.image ? <Copyable text={build.image} label="image reference" /> : '—'}</dd>
        {build.pullCommand && (
          <>
            <dt>Pull</dt>
            <dd>
              <Copyable text={build.pullCommand} label="pull command" />
            </dd>
          </>
        )}
      </dl>
      <h2>Phases</h2>
      {build.phases.length === 0 ? (
        <p>Not running yet.</p>
      ) : (
        <table className="phases">
          <thead>
            <tr>
              <th scope="col">Phase</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {build.phases.map((phase) => (
              <tr key={phase.startedAt + phase.phase}>
                <td>{phase.phase}</td>
                <td>
                  <time dateTime={phase.startedAt}>{new Date(phase.startedAt).toLocaleTimeString()}</time>
                </td>
                <td>{formatSpan(phase.startedAt, phase.finishedAt, now)}</td>
                <td>{phase.outcome ?? 'running'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Timeline</h2>
      <ol className="timeline">
        {timeline.map((entry) => (
          <li key={entry.sequence}>
            <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString()}</time> {entry.type}
            {entry.type === 'phase' && entry.phase ? ` ${entry.phase}` : ''}
          </li>
        ))}
      </ol>
      <h2 id="log-heading">Log {log.complete ? '' : '(live)'}</h2>
      <p>
        <button
          type="button"
          onClick={() => download(`${stored.job.name}-build-${build.number}.log`, log.lines.join('\n') + '\n')}
        >
          Download log
        </button>
      </p>
      <LogView lines={log.lines} label={`Build #${build.number} log`} />
    </>
  );
}

/** Events can arrive before the query answers, and the other way round: keep the later state. */
function newer(live: BuildState, stored: BuildState): boolean {
  if (TERMINAL_BUILD_STATUSES.has(stored.status)) return TERMINAL_BUILD_STATUSES.has(live.status);
  return true;
}

function Copyable({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <code className="copyable">{text}</code>{' '}
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard.writeText(text).then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 2000);
          })
        }
      >
        Copy<span className="visually-hidden"> {label}</span>
      </button>
      <span aria-live="polite">{copied ? ' Copied' : ''}</span>
    </>
  );
}

/** Saves text as a file: the whole log, where the page shows only the lines in view. */
function download(fileName: string, text: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function formatDuration(build: BuildState, now: number): string {
  return formatSpan(build.startedAt ?? build.createdAt, build.finishedAt, now);
}

/** From `start` to `end`, or to `now` while it lasts. */
function formatSpan(start: string, end: string | null, now: number): string {
  return formatSeconds(((end ? Date.parse(end) : now) - Date.parse(start)) / 1000, !end);
}
