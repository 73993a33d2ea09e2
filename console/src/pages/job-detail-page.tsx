import { useState } from 'react';
import { useMutation, useQuery } from 'urql';

import { Action } from '../api/actions';
import { type ApiProblem, isMissing, problemOf } from '../api/errors';
import { formatSeconds } from '../components/duration';
import { ActionButton, ProblemBanner } from '../components/form';
import { StatusBadge } from '../components/status';
import { graphql } from '../graphql';
import { BuildHistorySection, BuildRetentionFields } from '../jobs/build-history-section';
import { type EditedJob, JobForm } from '../jobs/job-form';
import { Link, navigate, usePath } from '../routing/router';
import { refusalIn, useProjects } from '../session/projects';
import { NotFound } from './not-found';

const JobQuery = graphql(
  `
    query Job($id: ID!) {
      packageJob(id: $id) {
        id
        name
        description
        version
        techStack
        imageClass
        archiveImage
        pullCommand
        createdAt
        updatedAt
        enterpriseProject {
          id
          name
        }
        package {
          id
          name
          version
        }
        cluster {
          id
          name
        }
        nodeLabels {
          key
          value
        }
        buildSpec {
          type
          baseImage
          baseImageTag
          dockerfile
        }
        warnings {
          line
          kind
          message
        }
        buildRetention {
          ...BuildRetentionFields
        }
        builds(first: 20) {
          totalCount
          finishedCount
          succeededCount
          edges {
            node {
              id
              number
              status
              createdAt
              finishedAt
              durationSeconds
              imageDigest
              reason
            }
          }
        }
      }
    }
  `,
  [BuildRetentionFields],
);

const DeleteJob = graphql(`
  mutation DeleteJob($id: ID!) {
    deletePackageJob(id: $id)
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

const BuildAgain = graphql(`
  mutation BuildAgain($jobId: ID!) {
    startBuild(jobId: $jobId) {
      id
    }
  }
`);

export function JobDetailPage({ id }: { id: string }) {
  const { projects } = useProjects();
  const { params } = usePath();
  const [{ data, error, fetching }] = useQuery({ query: JobQuery, variables: { id } });
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [, deleteJob] = useMutation(DeleteJob);
  const [, buildAgain] = useMutation(BuildAgain);
  const [, setRetention] = useMutation(SetJobBuildRetention);
  if (!data && fetching) return <p aria-busy="true">Loading…</p>;
  const job = data?.packageJob;
  if (!job) return isMissing(error) ? <NotFound what="This package job" /> : <ProblemBanner problem={problemOf(error)} />;
  const project = projects.find((candidate) => candidate.id === job.enterpriseProject.id) ?? null;

  const remove = async () => {
    if (!confirm(`Delete the package job ${job.name} and its builds?`)) return;
    const result = await deleteJob({ id: job.id });
    const deleteProblem = problemOf(result.error);
    if (deleteProblem) return setProblem(deleteProblem);
    navigate('/jobs');
  };
  const build = async () => {
    const result = await buildAgain({ jobId: job.id });
    const buildProblem = problemOf(result.error);
    if (buildProblem || !result.data) return setProblem(buildProblem);
    navigate(`/builds/${result.data.startBuild.id}`);
  };

  if (editing) {
    const edited: EditedJob = {
      id: job.id,
      version: job.version,
      warnings: job.warnings,
      values: {
        name: job.name,
        enterpriseProjectId: job.enterpriseProject.id,
        description: job.description ?? '',
        packageId: job.package.id,
        buildType: job.buildSpec.type,
        baseImage: job.buildSpec.baseImage ?? '',
        baseImageTag: job.buildSpec.baseImageTag ?? '',
        dockerfile: job.buildSpec.dockerfile ?? 'FROM ',
        imageClass: job.imageClass,
        archiveImage: job.archiveImage,
        clusterId: job.cluster.id,
        nodeLabels: job.nodeLabels.map((label) => `${label.key}=${label.value}`),
      },
    };
    return (
      <>
        <h1>Edit {job.name}</h1>
        <JobForm edited={edited} />
        <button type="button" onClick={() => setEditing(false)}>
          Cancel editing
        </button>
      </>
    );
  }

  return (
    <>
      <h1>{job.name}</h1>
      {params.get('saved') && (
        <p className="banner" role="status">
          Saved{job.warnings.length > 0 ? `, with ${job.warnings.length} warning(s) about the Dockerfile` : ''}.
        </p>
      )}
      <ProblemBanner problem={problem} />
      <div className="actions">
        <ActionButton
          type="button"
          className="primary"
          refusal={refusalIn(project, Action.jobCreate)}
          onClick={() => void build()}
        >
          Build
        </ActionButton>
        <ActionButton type="button" refusal={refusalIn(project, Action.jobModify)} onClick={() => setEditing(true)}>
          Edit
        </ActionButton>
        <ActionButton type="button" refusal={refusalIn(project, Action.jobDelete)} onClick={() => void remove()}>
          Delete
        </ActionButton>
      </div>
      <dl className="facts">
        <dt>Enterprise project</dt>
        <dd>{job.enterpriseProject.name}</dd>
        <dt>Description</dt>
        <dd>{job.description ?? '—'}</dd>
        <dt>Package</dt>
        <dd>
          {job.package.name} {job.package.version} ({job.techStack})
        </dd>
        <dt>Build type</dt>
        <dd>
          {job.buildSpec.type}
          {job.buildSpec.baseImage && (
            <>
              {' '}
              ·{' '}
              <code>
                {job.buildSpec.baseImage}
                {job.buildSpec.baseImageTag ? `:${job.buildSpec.baseImageTag}` : ''}
              </code>
            </>
          )}
        </dd>
        <dt>Image class</dt>
        <dd>{job.imageClass}</dd>
        <dt>Archive address</dt>
        <dd>
          <code>{job.archiveImage}</code>
        </dd>
        <dt>Pull</dt>
        <dd>
          <code>{job.pullCommand}</code>
        </dd>
        <dt>Cluster</dt>
        <dd>{job.cluster.name}</dd>
        <dt>Node labels</dt>
        <dd>{job.nodeLabels.map((label) => `${label.key}=${label.value}`).join(', ') || '—'}</dd>
        <dt>Version</dt>
        <dd>{job.version}</dd>
      </dl>
      {job.buildSpec.dockerfile && (
        <section aria-labelledby="dockerfile-heading">
          <h2 id="dockerfile-heading">Dockerfile</h2>
          <pre className="dockerfile">
            {job.buildSpec.dockerfile.split('\n').map((line, index) => {
              const warning = job.warnings.find((candidate) => candidate.line === index + 1);
              return (
                <span key={index} className={warning ? 'warned' : undefined}>
                  {String(index + 1).padStart(3)} {line}
                  {warning && <em className="warning"> ⚠ {warning.message}</em>}
                  {'\n'}
                </span>
              );
            })}
          </pre>
        </section>
      )}
      <h2>Builds</h2>
      {job.builds.totalCount > 0 && (
        <p className="build-counts">
          {job.builds.totalCount} builds, {job.builds.finishedCount} finished, {job.builds.succeededCount} succeeded
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Build</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Took</th>
            <th scope="col">Digest</th>
          </tr>
        </thead>
        <tbody>
          {job.builds.edges.map(({ node: row }) => (
            <tr key={row.id}>
              <td>
                <Link to={`/builds/${row.id}`}>#{row.number}</Link>
              </td>
              <td>
                <StatusBadge status={row.status} /> {row.reason}
              </td>
              <td>{new Date(row.createdAt).toLocaleString()}</td>
              <td>{row.durationSeconds === null ? '—' : formatSeconds(row.durationSeconds)}</td>
              <td>
                <code>{row.imageDigest ? `${row.imageDigest.slice(0, 19)}…` : '—'}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {job.builds.edges.length === 0 && <p>Not built yet.</p>}
      <BuildHistorySection
        owner="JOB"
        retention={job.buildRetention}
        refusal={refusalIn(project, Action.jobModify)}
        save={async (retention) => {
          const result = await setRetention({ jobId: job.id, retention });
          return { retention: result.data?.setJobBuildRetention ?? null, problem: problemOf(result.error) };
        }}
      />
    </>
  );
}
