import { useMutation, useQuery } from 'urql';

import { Action } from '../api/actions';
import { problemOf } from '../api/errors';
import { ProblemBanner } from '../components/form';
import { graphql } from '../graphql';
import { BuildHistorySection, BuildRetentionFields } from '../jobs/build-history-section';
import { useProjects } from '../session/projects';
import { WebhooksSection } from '../webhooks/webhooks-section';

const ProjectRetentionQuery = graphql(
  `
    query ProjectRetention($projectId: ID!) {
      projectBuildRetention(enterpriseProjectId: $projectId) {
        ...BuildRetentionFields
      }
    }
  `,
  [BuildRetentionFields],
);

const SetProjectBuildRetention = graphql(
  `
    mutation SetProjectBuildRetention($projectId: ID!, $retention: BuildRetentionInput) {
      setProjectBuildRetention(enterpriseProjectId: $projectId, retention: $retention) {
        ...BuildRetentionFields
      }
    }
  `,
  [BuildRetentionFields],
);

/** What holds for the current project as a whole: its jobs' build history default and its webhooks. */
export function ProjectSettingsPage() {
  const { project, refusal } = useProjects();
  const projectId = project?.id ?? '';
  const [{ data, error }] = useQuery({ query: ProjectRetentionQuery, variables: { projectId }, pause: !project });
  const [, setRetention] = useMutation(SetProjectBuildRetention);
  if (!project) return <p>No enterprise project to set.</p>;
  return (
    <>
      <h1>Settings of {project.name}</h1>
      <ProblemBanner problem={problemOf(error)} />
      {data && (
        <BuildHistorySection
          key={projectId}
          owner="PROJECT"
          retention={data.projectBuildRetention}
          refusal={refusal(Action.jobModify)}
          save={async (retention) => {
            const result = await setRetention({ projectId, retention });
            return { retention: result.data?.setProjectBuildRetention ?? null, problem: problemOf(result.error) };
          }}
        />
      )}
      <WebhooksSection key={`webhooks-${projectId}`} projectId={projectId} refusal={refusal} />
    </>
  );
}
