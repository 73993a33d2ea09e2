import { type FormEvent, useState } from 'react';
import { useMutation } from 'urql';

import { type ApiProblem, problemOf } from '../api/errors';
import { ActionsHeader, ProblemBanner, SelectField } from '../components/form';
import { graphql, type ResultOf } from '../graphql';
import type { Project } from '../session/projects';
import type { IamQuery } from './iam-queries';

const AttachPolicy = graphql(`
  mutation AttachPolicy($userId: ID!, $policyId: ID!, $projectIds: [ID!]) {
    attachPolicy(userId: $userId, policyId: $policyId, enterpriseProjectIds: $projectIds) {
      id
    }
  }
`);
const DetachPolicy = graphql(`
  mutation DetachPolicy($id: ID!) {
    detachPolicy(attachmentId: $id)
  }
`);

type Iam = ResultOf<typeof IamQuery>;

/** Which policy applies to whom, and in which projects (none chosen: every project). */
export function AttachmentsSection({ iam, projects, onChange }: { iam: Iam; projects: Project[]; onChange: () => void }) {
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [, attach] = useMutation(AttachPolicy);
  const [, detach] = useMutation(DetachPolicy);
  const userName = (id: string) => iam.users.find((user) => user.id === id)?.name ?? id;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const projectIds = data.getAll('projectIds').map(String);
    const result = await attach({
      userId: String(data.get('userId')),
      policyId: String(data.get('policyId')),
      projectIds: projectIds.length ? projectIds : null,
    });
    setProblem(problemOf(result.error));
    if (!result.error) onChange();
  };
  return (
    <section aria-labelledby="attachments-heading">
      <h2 id="attachments-heading">Attachments</h2>
      <ProblemBanner problem={problem} />
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Policy</th>
            <th scope="col">Projects</th>
            <ActionsHeader />
          </tr>
        </thead>
        <tbody>
          {iam.policyAttachments.map((attachment) => (
            <tr key={attachment.id}>
              <td>{userName(attachment.user.id)}</td>
              <td>{attachment.policy.name}</td>
              <td>{attachment.enterpriseProjects?.map((project) => project.name).join(', ') ?? 'every project'}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    void detach({ id: attachment.id }).then((result) => (setProblem(problemOf(result.error)), onChange()))
                  }
                >
                  Detach
                  <span className="visually-hidden">
                    {' '}
                    {attachment.policy.name} from {userName(attachment.user.id)}
                  </span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <details className="panel">
        <summary>Attach a policy</summary>
        <form onSubmit={(event) => void submit(event)}>
          <div className="row">
            <SelectField label="User" name="userId" options={iam.users.map((item) => ({ value: item.id, label: item.name }))} />
            <SelectField
              label="Policy"
              name="policyId"
              options={iam.policies.map((item) => ({ value: item.id, label: item.name }))}
            />
          </div>
          <fieldset className="choices">
            <legend>In projects (none: every project)</legend>
            {projects.map((project) => (
              <label key={project.id}>
                <input type="checkbox" name="projectIds" value={project.id} /> {project.name}
              </label>
            ))}
          </fieldset>
          <button type="submit">Attach</button>
        </form>
      </details>
    </section>
  );
}
