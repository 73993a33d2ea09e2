import { type FormEvent, useState } from 'react';
import { useClient } from 'urql';

import { type ApiProblem, problemOf } from '../api/errors';
import { ProblemBanner, SelectField } from '../components/form';
import { graphql, type ResultOf } from '../graphql';
import type { Project } from '../session/projects';
import type { IamQuery } from './iam-queries';

const ExplainPermission = graphql(`
  query ExplainPermission($userId: ID!, $action: String!, $projectId: ID!) {
    explainPermission(userId: $userId, action: $action, enterpriseProjectId: $projectId) {
      allowed
      reason
      matchedPolicy {
        name
      }
    }
  }
`);

type Iam = ResultOf<typeof IamQuery>;
type Decision = ResultOf<typeof ExplainPermission>['explainPermission'];

/** "Why can't X do Y?": the decision and the policy that made it. */
export function ExplainSection({ iam, projects }: { iam: Iam; projects: Project[] }) {
  const client = useClient();
  const [decision, setDecision] = useState<Decision | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const result = await client
      .query(
        ExplainPermission,
        { userId: String(data.get('userId')), action: String(data.get('action')), projectId: String(data.get('projectId')) },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    setProblem(problemOf(result.error));
    setDecision(result.data?.explainPermission ?? null);
  };
  return (
    <section aria-labelledby="explain-heading">
      <h2 id="explain-heading">Why can't a user do something?</h2>
      <form onSubmit={(event) => void submit(event)} className="row">
        <SelectField label="User" name="userId" options={iam.users.map((item) => ({ value: item.id, label: item.name }))} />
        <SelectField
          label="Action"
          name="action"
          options={iam.actionCatalog.map((item) => ({ value: item.name, label: item.name }))}
        />
        <SelectField label="Project" name="projectId" options={projects.map((item) => ({ value: item.id, label: item.name }))} />
        <button type="submit">Explain</button>
      </form>
      <ProblemBanner problem={problem} />
      {decision && (
        <p role="status" className="banner">
          <strong>{decision.allowed ? 'Allowed' : 'Not allowed'}</strong>: {decision.reason}
          {decision.matchedPolicy && <> (policy {decision.matchedPolicy.name})</>}
        </p>
      )}
    </section>
  );
}
