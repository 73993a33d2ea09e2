import { type FormEvent, useState } from 'react';
import { useMutation, useQuery } from 'urql';

import { Action } from '../api/actions';
import { type ApiProblem, problemOf } from '../api/errors';
import { ActionButton, Field, ProblemBanner } from '../components/form';
import { StatusBadge } from '../components/status';
import { graphql } from '../graphql';
import { useProjects } from '../session/projects';

const ClusterFields = graphql(`
  fragment ClusterFields on Cluster {
    id
    name
    type
    status
    statusReason
    server
    buildNamespace
    nodes {
      name
      ready
      internalIP
      externalIP
      labels {
        key
        value
      }
    }
  }
`);

const ClustersQuery = graphql(
  `
    query Clusters($projectId: ID) {
      clusters(enterpriseProjectId: $projectId, first: 100) {
        edges {
          node {
            ...ClusterFields
          }
        }
      }
    }
  `,
  [ClusterFields],
);

const RegisterCluster = graphql(
  `
    mutation RegisterCluster($name: String!, $type: ClusterType!, $kubeconfig: String, $projectId: ID) {
      registerCluster(name: $name, type: $type, kubeconfig: $kubeconfig, enterpriseProjectId: $projectId) {
        ...ClusterFields
      }
    }
  `,
  [ClusterFields],
);

const RefreshCluster = graphql(
  `
    mutation RefreshCluster($id: ID!) {
      refreshCluster(id: $id) {
        ...ClusterFields
      }
    }
  `,
  [ClusterFields],
);

const DeleteCluster = graphql(`
  mutation DeleteCluster($id: ID!) {
    deleteCluster(id: $id)
  }
`);

export function ClustersPage() {
  const { project, refusal } = useProjects();
  const [{ data, error, fetching }, refetch] = useQuery({ query: ClustersQuery, variables: { projectId: project?.id } });
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [, refresh] = useMutation(RefreshCluster);
  const [, remove] = useMutation(DeleteCluster);
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const clusters = data?.clusters.edges.map((edge) => edge.node) ?? [];
  return (
    <>
      <h1>Clusters</h1>
      <RegisterPanel projectId={project?.id ?? null} refusal={refusal(Action.clusterCreate)} onDone={reload} />
      <ProblemBanner problem={problemOf(error) ?? problem} />
      {clusters.length === 0 && !fetching && <p>No cluster in {project?.name}.</p>}
      {clusters.map((cluster) => (
        <section key={cluster.id} className="panel" aria-labelledby={`cluster-${cluster.id}`}>
          <h2 id={`cluster-${cluster.id}`}>
            {cluster.name} <StatusBadge status={cluster.status} />
          </h2>
          <p>
            {cluster.type}
            {cluster.server && <> · {cluster.server}</>}
            {cluster.buildNamespace && <> · namespace {cluster.buildNamespace}</>}
          </p>
          {cluster.statusReason && <p className="reason">{cluster.statusReason}</p>}
          <div className="actions">
            <ActionButton
              type="button"
              refusal={refusal(Action.clusterModify)}
              onClick={() => void refresh({ id: cluster.id }).then((result) => setProblem(problemOf(result.error)))}
            >
              Refresh<span className="visually-hidden"> {cluster.name}</span>
            </ActionButton>
            <ActionButton
              type="button"
              refusal={refusal(Action.clusterDelete)}
              onClick={() => {
                if (!confirm(`Remove the cluster ${cluster.name}?`)) return;
                void remove({ id: cluster.id }).then((result) => {
                  setProblem(problemOf(result.error));
                  reload();
                });
              }}
            >
              Remove<span className="visually-hidden"> {cluster.name}</span>
            </ActionButton>
          </div>
          <table>
            <caption>Nodes of {cluster.name}</caption>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Ready</th>
                <th scope="col">Internal IP</th>
                <th scope="col">EIP</th>
                <th scope="col">Labels</th>
              </tr>
            </thead>
            <tbody>
              {cluster.nodes.map((node) => (
                <tr key={node.name}>
                  <td>{node.name}</td>
                  <td>{node.ready ? 'Ready' : 'Not ready'}</td>
                  <td>{node.internalIP ?? '—'}</td>
                  <td>{node.externalIP ?? 'none (cannot build)'}</td>
                  <td>{node.labels.map((label) => `${label.key}=${label.value}`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}

function RegisterPanel({ projectId, refusal, onDone }: { projectId: string | null; refusal: string | null; onDone: () => void }) {
  const [type, setType] = useState<'LOCAL' | 'KUBERNETES'>('KUBERNETES');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [, register] = useMutation(RegisterCluster);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const file = data.get('kubeconfig');
    // Read in the page and sent once; the platform stores it encrypted and never returns it.
    const kubeconfig = type === 'KUBERNETES' && file instanceof File && file.size > 0 ? await file.text() : null;
    const result = await register({ name: String(data.get('name') ?? ''), type, kubeconfig, projectId });
    setProblem(problemOf(result.error));
    if (result.data) {
      form.reset();
      onDone();
    }
  };
  const fieldError = (field: string) => (problem?.field === field ? problem.message : null);
  return (
    <details className="panel">
      <summary>Register a cluster</summary>
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Name" error={fieldError('name')}>
          {(props) => <input {...props} name="name" required />}
        </Field>
        <fieldset className="choices">
          <legend>Type</legend>
          <label>
            <input type="radio" name="type" checked={type === 'KUBERNETES'} onChange={() => setType('KUBERNETES')} /> Kubernetes
            (kubeconfig)
          </label>
          <label>
            <input type="radio" name="type" checked={type === 'LOCAL'} onChange={() => setType('LOCAL')} /> LOCAL (this machine)
          </label>
        </fieldset>
        {type === 'KUBERNETES' && (
          <Field label="Kubeconfig file" hint="Stored encrypted; never shown again." error={fieldError('kubeconfig')}>
            {(props) => <input {...props} type="file" name="kubeconfig" required />}
          </Field>
        )}
        {problem && !problem.field && <ProblemBanner problem={problem} />}
        <ActionButton type="submit" refusal={refusal}>
          Register
        </ActionButton>
      </form>
    </details>
  );
}
