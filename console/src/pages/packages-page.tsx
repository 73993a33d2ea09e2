import { type DragEvent, type FormEvent, useState } from 'react';
import { useMutation, useQuery } from 'urql';

import { Action } from '../api/actions';
import { type ApiProblem, problemOf } from '../api/errors';
import { sha256Of } from '../api/sha256';
import { uploadPackageContent } from '../api/upload';
import { ActionButton, ActionsHeader, Field, ProblemBanner } from '../components/form';
import { graphql, type ResultOf } from '../graphql';
import { useProjects } from '../session/projects';
import { useSignedIn } from '../session/session';

export const PackageFields = graphql(`
  fragment PackageFields on SoftwarePackage {
    id
    name
    version
    source
    status
    techStack
    sha256
    verification
    sizeBytes
    rejectionReason
    bucket
    objectKey
    createdAt
  }
`);

const PackagesQuery = graphql(
  `
    query Packages($projectId: ID, $after: String) {
      softwarePackages(enterpriseProjectId: $projectId, first: 50, after: $after) {
        edges {
          node {
            ...PackageFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  `,
  [PackageFields],
);

const CreateUpload = graphql(`
  mutation CreateUpload($name: String!, $version: String!, $sizeBytes: Float!, $sha256: String, $projectId: ID) {
    createPackageUpload(
      name: $name
      version: $version
      sizeBytes: $sizeBytes
      sha256: $sha256
      source: SWR
      enterpriseProjectId: $projectId
    ) {
      package {
        id
      }
    }
  }
`);

const CompleteUpload = graphql(
  `
    mutation CompleteUpload($id: ID!) {
      completePackageUpload(id: $id) {
        ...PackageFields
      }
    }
  `,
  [PackageFields],
);

const RegisterObs = graphql(
  `
    mutation RegisterObs($bucket: String!, $objectKey: String!, $name: String!, $version: String!, $projectId: ID) {
      registerObsPackage(
        bucket: $bucket
        objectKey: $objectKey
        name: $name
        version: $version
        enterpriseProjectId: $projectId
      ) {
        ...PackageFields
      }
    }
  `,
  [PackageFields],
);

const DeletePackage = graphql(`
  mutation DeletePackage($id: ID!) {
    deleteSoftwarePackage(id: $id)
  }
`);

type PackageRow = ResultOf<typeof PackagesQuery>['softwarePackages']['edges'][number]['node'];

export function PackagesPage() {
  const { project, refusal } = useProjects();
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, error, fetching }, refetch] = useQuery({ query: PackagesQuery, variables: { projectId: project?.id, after } });
  const [deleteProblem, setDeleteProblem] = useState<ApiProblem | null>(null);
  const [, deletePackage] = useMutation(DeletePackage);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const remove = async (row: PackageRow) => {
    if (!confirm(`Delete ${row.name} ${row.version}?`)) return;
    const result = await deletePackage({ id: row.id });
    const problem = problemOf(result.error);
    setDeleteProblem(
      problem?.code === 'CONFLICT'
        ? { ...problem, message: `${row.name} ${row.version} cannot be deleted: ${problem.message}` }
        : problem,
    );
    if (!problem) reload();
  };

  const rows = data?.softwarePackages.edges.map((edge) => edge.node as PackageRow) ?? [];
  return (
    <>
      <h1>Packages</h1>
      <UploadPanel projectId={project?.id ?? null} refusal={refusal(Action.packageCreate)} onDone={reload} />
      <ObsPanel projectId={project?.id ?? null} refusal={refusal(Action.packageCreate)} onDone={reload} />
      <h2>In {project?.name ?? 'no project'}</h2>
      <ProblemBanner problem={problemOf(error) ?? deleteProblem} />
      <table aria-busy={fetching}>
        <caption className="visually-hidden">Packages of the project</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Version</th>
            <th scope="col">Source</th>
            <th scope="col">Stack</th>
            <th scope="col">Status</th>
            <th scope="col">Size</th>
            <th scope="col">SHA-256</th>
            <ActionsHeader />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-package-id={row.id}>
              <td>{row.name}</td>
              <td>{row.version}</td>
              <td>{row.source === 'OBS' ? `OBS ${row.bucket}/${row.objectKey}` : 'SWR'}</td>
              <td>{row.techStack ?? '—'}</td>
              <td>
                <span className={`status status-${row.status.toLowerCase()}`}>{row.status}</span>
                {row.rejectionReason && <div className="reason">{row.rejectionReason}</div>}
              </td>
              <td>{row.sizeBytes === null ? '—' : formatBytes(row.sizeBytes)}</td>
              <td>
                <code className="digest" title={row.sha256 ?? undefined}>
                  {row.sha256 ? `${row.sha256.slice(0, 12)}…` : '—'}
                </code>
              </td>
              <td>
                <ActionButton type="button" refusal={refusal(Action.packageDelete)} onClick={() => void remove(row)}>
                  Delete<span className="visually-hidden"> {row.name}</span>
                </ActionButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && !fetching && <p>No packages yet.</p>}
      {data?.softwarePackages.pageInfo.hasNextPage && (
        <button type="button" onClick={() => setAfter(data.softwarePackages.pageInfo.endCursor ?? null)}>
          Next page
        </button>
      )}
      {after && (
        <button type="button" onClick={() => setAfter(null)}>
          First page
        </button>
      )}
    </>
  );
}

function UploadPanel({ projectId, refusal, onDone }: { projectId: string | null; refusal: string | null; onDone: () => void }) {
  const { token } = useSignedIn();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [result, setResult] = useState<PackageRow | null>(null);
  const [dragging, setDragging] = useState(false);
  const [, createUpload] = useMutation(CreateUpload);
  const [, completeUpload] = useMutation(CompleteUpload);

  const choose = (chosen: File | undefined) => {
    if (!chosen) return;
    setFile(chosen);
    const guess = guessNameAndVersion(chosen.name);
    setName(guess.name);
    setVersion(guess.version);
    setResult(null);
    setProblem(null);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return setProblem({ message: 'Choose a package file first.', field: 'file' });
    setProblem(null);
    setResult(null);
    // A file the browser cannot hash is still uploaded: the platform then reads all of it itself.
    const sha256 = await sha256Of(file).catch(() => null);
    const created = await createUpload({ name, version, sizeBytes: file.size, sha256, projectId });
    const createProblem = problemOf(created.error);
    if (createProblem || !created.data) return setProblem(createProblem);
    const id = created.data.createPackageUpload.package.id;
    setProgress({ sent: 0, total: file.size });
    try {
      await uploadPackageContent(id, file, token, (sent, total) => setProgress({ sent, total }));
    } catch (error) {
      setProgress(null);
      return setProblem({ message: error instanceof Error ? error.message : String(error) });
    }
    const completed = await completeUpload({ id });
    setProgress(null);
    const completeProblem = problemOf(completed.error);
    if (completeProblem || !completed.data) return setProblem(completeProblem);
    setResult(completed.data.completePackageUpload as PackageRow);
    setFile(null);
    onDone();
  };

  const fieldError = (field: string) => (problem?.field === field ? problem.message : null);
  return (
    <section aria-labelledby="upload-heading" className="panel">
      <h2 id="upload-heading">Upload a package</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div
          className={`drop-zone${dragging ? ' dragging' : ''}`}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <Field
            label="Package file"
            hint="Drop a JAR, WAR, or a Node.js, Python or PHP archive here, or choose one."
            error={fieldError('file')}
          >
            {(props) => <input {...props} type="file" name="file" onChange={(event) => choose(event.target.files?.[0])} />}
          </Field>
          {file && (
            <p>
              {file.name} ({formatBytes(file.size)})
            </p>
          )}
        </div>
        <Field label="Name" error={fieldError('name')}>
          {(props) => <input {...props} value={name} onChange={(event) => setName(event.target.value)} required maxLength={64} />}
        </Field>
        <Field label="Version" error={fieldError('version')}>
          {(props) => <input {...props} value={version} onChange={(event) => setVersion(event.target.value)} required />}
        </Field>
        {progress && (
          <div className="progress">
            <label htmlFor="upload-progress">Uploading</label>
            <progress id="upload-progress" max={progress.total} value={progress.sent}>
              {Math.round((progress.sent / Math.max(progress.total, 1)) * 100)} %
            </progress>
            <span aria-live="polite">{Math.round((progress.sent / Math.max(progress.total, 1)) * 100)} %</span>
          </div>
        )}
        {problem && !problem.field?.match(/^(file|name|version)$/) && <ProblemBanner problem={problem} />}
        <ActionButton type="submit" refusal={refusal} disabled={progress !== null}>
          Upload
        </ActionButton>
      </form>
      {result && (
        <div className="banner" role="status">
          {result.name} {result.version} is <strong>{result.status}</strong>
          {result.techStack && <> — detected stack {result.techStack}</>}
          {result.sha256 && (
            <>
              , sha256 <code>{result.sha256}</code>
              {result.verification === 'STORE_CHECKSUM' && ' (checked by the package repository as it arrived)'}
            </>
          )}
          {result.rejectionReason && <>: {result.rejectionReason}</>}
        </div>
      )}
    </section>
  );
}

function ObsPanel({ projectId, refusal, onDone }: { projectId: string | null; refusal: string | null; onDone: () => void }) {
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [registered, setRegistered] = useState<string | null>(null);
  const [, register] = useMutation(RegisterObs);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(event.currentTarget)) as Record<string, string>;
    const result = await register({
      bucket: data['bucket'] ?? '',
      objectKey: data['objectKey'] ?? '',
      name: data['name'] ?? '',
      version: data['version'] ?? '',
      projectId,
    });
    setProblem(problemOf(result.error));
    if (result.data) {
      const pkg = result.data.registerObsPackage as PackageRow;
      setRegistered(`${pkg.name} ${pkg.version} is ${pkg.status}${pkg.rejectionReason ? `: ${pkg.rejectionReason}` : ''}`);
      onDone();
    }
  };
  const fieldError = (field: string) => (problem?.field === field ? problem.message : null);
  return (
    <details className="panel">
      <summary>Register a package from an OBS bucket</summary>
      <form onSubmit={(event) => void submit(event)}>
        {(['bucket', 'objectKey', 'name', 'version'] as const).map((field) => (
          <Field key={field} label={OBS_LABELS[field]} error={fieldError(field)}>
            {(props) => <input {...props} name={field} required />}
          </Field>
        ))}
        {problem && !problem.field && <ProblemBanner problem={problem} />}
        <ActionButton type="submit" refusal={refusal}>
          Register
        </ActionButton>
        {registered && <p role="status">{registered}</p>}
      </form>
    </details>
  );
}

const OBS_LABELS = { bucket: 'Bucket', objectKey: 'Object key', name: 'Name', version: 'Version' };

/** `orders-service-1.4.2.jar` → orders-service, 1.4.2: a guess the user can change. */
export function guessNameAndVersion(fileName: string): { name: string; version: string } {
  const base = fileName.replace(/\.(jar|war|zip|tgz|tar\.gz|tar|whl)$/i, '');
  const match = /^(.*?)[-_]v?(\d+(?:\.\d+)*(?:[-.][\w.]+)?)$/.exec(base);
  const name = (match?.[1] ?? base)
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 64);
  return { name, version: match?.[2] ?? '1.0.0' };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
