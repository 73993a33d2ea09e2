import { useQuery } from 'urql';

import { problemOf } from '../api/errors';
import { ProblemBanner } from '../components/form';
import { AttachmentsSection } from '../iam/attachments-section';
import { ExplainSection } from '../iam/explain-section';
import { IamQuery } from '../iam/iam-queries';
import { PoliciesSection } from '../iam/policies-section';
import { UsersSection } from '../iam/users-section';
import { useProjects } from '../session/projects';
import { useSignedIn } from '../session/session';

/** Administrators: users and keys, policies, attachments, and explanations of decisions. */
export function IamPage() {
  const { user } = useSignedIn();
  const { projects } = useProjects();
  const [{ data, error }, refetch] = useQuery({ query: IamQuery, pause: !user.isAdmin });
  const reload = () => refetch({ requestPolicy: 'network-only' });
  if (!user.isAdmin) return <p>IAM is for administrators.</p>;
  if (!data) return error ? <ProblemBanner problem={problemOf(error)} /> : <p aria-busy="true">Loading…</p>;
  return (
    <>
      <h1>IAM</h1>
      <UsersSection users={data.users} onChange={reload} />
      <PoliciesSection policies={data.policies} catalog={data.actionCatalog} onChange={reload} />
      <AttachmentsSection iam={data} projects={projects} onChange={reload} />
      <ExplainSection iam={data} projects={projects} />
    </>
  );
}
