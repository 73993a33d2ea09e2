import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';

import { Action } from '../api/actions';
import { type ApiProblem, problemOf } from '../api/errors';
import { ActionButton, Field, ProblemBanner } from '../components/form';
import { graphql } from '../graphql';
import { navigate } from '../routing/router';
import { refusalIn, useProjects } from '../session/projects';
import { archiveImageProblem, controlOf, DESCRIPTION_MAX, descriptionProblem, nameProblem } from './job-rules';

const FormOptionsQuery = graphql(`
  query JobFormOptions($projectId: ID) {
    softwarePackages(enterpriseProjectId: $projectId, first: 100) {
      edges {
        node {
          id
          name
          version
          source
          status
          techStack
          bucket
        }
      }
    }
    clusters(enterpriseProjectId: $projectId, first: 100) {
      edges {
        node {
          id
          name
          type
          status
          nodes {
            name
            ready
            externalIP
            labels {
              key
              value
            }
          }
        }
      }
    }
  }
`);

const BaseImagesQuery = graphql(`
  query BaseImages($techStack: TechStack!) {
    baseImages(techStack: $techStack)
  }
`);

const BuildNodesQuery = graphql(`
  query BuildNodes($clusterId: ID!, $labels: [LabelInput!]!) {
    buildNodes(clusterId: $clusterId, labels: $labels) {
      matching {
        name
      }
      eligible {
        name
      }
    }
  }
`);

const CreateJob = graphql(`
  mutation CreateJob($input: PackageJobInput!, $build: Boolean!) {
    createPackageJob(input: $input, build: $build) {
      job {
        id
      }
      build {
        id
      }
    }
  }
`);

const UpdateJob = graphql(`
  mutation UpdateJob($id: ID!, $patch: PackageJobPatch!, $expectedVersion: Int) {
    updatePackageJob(id: $id, patch: $patch, expectedVersion: $expectedVersion) {
      id
      version
    }
  }
`);

const StartBuild = graphql(`
  mutation StartBuildAfterSave($jobId: ID!) {
    startBuild(jobId: $jobId) {
      id
    }
  }
`);

export type BuildType = 'SYSTEM_DEFAULT' | 'CUSTOM_DOCKERFILE' | 'IMAGE';

export interface JobFormValues {
  name: string;
  enterpriseProjectId: string;
  description: string;
  packageId: string;
  buildType: BuildType;
  baseImage: string;
  baseImageTag: string;
  dockerfile: string;
  imageClass: 'PUBLIC' | 'PRIVATE';
  archiveImage: string;
  clusterId: string;
  nodeLabels: string[];
}

/** An existing job being edited: its id and the version the form started from. */
export interface EditedJob {
  id: string;
  version: number;
  values: JobFormValues;
  warnings: { line: number; kind: string; message: string }[];
}

const BUILD_TYPES: [BuildType, string][] = [
  ['SYSTEM_DEFAULT', 'System default'],
  ['CUSTOM_DOCKERFILE', 'Custom Dockerfile'],
  ['IMAGE', 'Image'],
];

/**
 * The console's "Create Package Job" form (../shared/seed), field for field; also the edit form
 * of a saved job. Rules are checked as the user types; a server refusal lands on its field.
 */
export function JobForm({ edited }: { edited?: EditedJob }) {
  const { projects, project } = useProjects();
  const [values, setValues] = useState<JobFormValues>(
    () =>
      edited?.values ?? {
        name: '',
        enterpriseProjectId: project?.id ?? '',
        description: '',
        packageId: '',
        buildType: 'SYSTEM_DEFAULT',
        baseImage: '',
        baseImageTag: '',
        dockerfile: 'FROM ',
        imageClass: 'PRIVATE',
        archiveImage: '',
        clusterId: '',
        nodeLabels: [],
      },
  );
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [serverProblem, setServerProblem] = useState<ApiProblem | null>(null);
  const warnings = edited?.warnings ?? [];
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof JobFormValues>(key: K, value: JobFormValues[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
    setTouched((current) => new Set(current).add(key));
    if (controlOf(serverProblem?.field) === key) setServerProblem(null);
  };

  const [{ data: options }] = useQuery({ query: FormOptionsQuery, variables: { projectId: values.enterpriseProjectId || null } });
  const packages = (options?.softwarePackages.edges ?? []).map((edge) => edge.node).filter((pkg) => pkg.status === 'READY');
  const clusters = (options?.clusters.edges ?? []).map((edge) => edge.node);
  const chosenPackage = packages.find((pkg) => pkg.id === values.packageId);
  const chosenCluster = clusters.find((cluster) => cluster.id === values.clusterId);
  const techStack = chosenPackage?.techStack ?? null;

  const [{ data: catalog }] = useQuery({
    query: BaseImagesQuery,
    variables: { techStack: techStack ?? 'JAVA' },
    pause: !techStack || values.buildType === 'CUSTOM_DOCKERFILE',
  });
  const baseImages = useMemo(() => groupByRepository(catalog?.baseImages ?? []), [catalog]);

  // The catalog's first image and tag once a package's stack is known, as the seed's form does.
  useEffect(() => {
    if (values.buildType !== 'SYSTEM_DEFAULT' || baseImages.size === 0) return;
    const tags = baseImages.get(values.baseImage);
    if (!tags) {
      const [repository, firstTags] = [...baseImages.entries()][0]!;
      setValues((current) => ({ ...current, baseImage: repository, baseImageTag: firstTags[0] ?? '' }));
    } else if (!tags.includes(values.baseImageTag)) setValues((current) => ({ ...current, baseImageTag: tags[0] ?? '' }));
  }, [baseImages, values.buildType, values.baseImage, values.baseImageTag]);

  const labels = values.nodeLabels.map((label) => {
    const [key, ...rest] = label.split('=');
    return { key: key!, value: rest.join('=') };
  });
  const [{ data: selection }] = useQuery({
    query: BuildNodesQuery,
    variables: { clusterId: values.clusterId, labels },
    pause: !values.clusterId,
  });

  const localProblems: Partial<Record<keyof JobFormValues, string | null>> = {
    name: nameProblem(values.name),
    description: descriptionProblem(values.description),
    archiveImage: archiveImageProblem(values.archiveImage),
    packageId: values.packageId ? null : 'Choose a package.',
    clusterId: values.clusterId ? null : 'Choose the cluster that builds it.',
    enterpriseProjectId: values.enterpriseProjectId ? null : 'Choose an enterprise project.',
    baseImage: values.buildType !== 'CUSTOM_DOCKERFILE' && !values.baseImage ? 'Choose a base image.' : null,
    dockerfile:
      values.buildType === 'CUSTOM_DOCKERFILE' && !/^\s*(#.*\n\s*)*FROM\s+\S/i.test(values.dockerfile)
        ? 'A Dockerfile starts with FROM and an image.'
        : null,
  };
  const errorOf = (key: keyof JobFormValues): string | null => {
    if (controlOf(serverProblem?.field) === key) return serverProblem!.message;
    return touched.has(key) ? (localProblems[key] ?? null) : null;
  };
  const targetProject = projects.find((candidate) => candidate.id === values.enterpriseProjectId) ?? null;
  const saveRefusal = refusalIn(targetProject, edited ? Action.jobModify : Action.jobCreate);
  // Building an edited job saves it first, then starts a build: both rights.
  const buildRefusal = edited ? (saveRefusal ?? refusalIn(targetProject, Action.jobCreate)) : saveRefusal;

  const [, createJob] = useMutation(CreateJob);
  const [, updateJob] = useMutation(UpdateJob);
  const [, startBuild] = useMutation(StartBuild);

  const submit = async (build: boolean) => {
    setTouched(new Set(Object.keys(localProblems)));
    const firstProblem = (Object.entries(localProblems) as [keyof JobFormValues, string | null][]).find(([, problem]) => problem);
    if (firstProblem) {
      document.getElementById(`job-${firstProblem[0]}`)?.focus();
      return;
    }
    setBusy(true);
    setServerProblem(null);
    const spec = {
      buildType: values.buildType,
      baseImage: values.buildType === 'CUSTOM_DOCKERFILE' ? null : values.baseImage,
      baseImageTag: values.buildType === 'SYSTEM_DEFAULT' ? values.baseImageTag : null,
      dockerfile: values.buildType === 'CUSTOM_DOCKERFILE' ? values.dockerfile : null,
      description: values.description || null,
      imageClass: values.imageClass,
      archiveImage: values.archiveImage,
      clusterId: values.clusterId,
      nodeLabels: labels,
      packageId: values.packageId,
    } as const;
    if (edited) {
      const result = await updateJob({ id: edited.id, patch: spec, expectedVersion: edited.version });
      const problem = problemOf(result.error);
      if (problem || !result.data) return finish(problem);
      if (build) {
        const started = await startBuild({ jobId: edited.id });
        const buildProblem = problemOf(started.error);
        if (buildProblem || !started.data) return finish(buildProblem);
        return navigate(`/builds/${started.data.startBuild.id}`);
      }
      return navigate(`/jobs/${edited.id}?saved=1`);
    }
    const result = await createJob({
      input: { ...spec, name: values.name, enterpriseProjectId: values.enterpriseProjectId },
      build,
    });
    const problem = problemOf(result.error);
    if (problem || !result.data) return finish(problem);
    const created = result.data.createPackageJob;
    navigate(created.build ? `/builds/${created.build.id}` : `/jobs/${created.job.id}?saved=1`);
  };
  const finish = (problem: ApiProblem | null) => {
    setBusy(false);
    setServerProblem(problem);
    const control = controlOf(problem?.field);
    if (control) document.getElementById(`job-${control}`)?.focus();
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    void submit(submitter?.value === 'build');
  };

  const eligibleNodes = (chosenCluster?.nodes ?? []).filter(
    (node) => node.ready && (node.externalIP || chosenCluster?.type === 'LOCAL'),
  );
  const labelChoices = [
    ...new Set(eligibleNodes.flatMap((node) => node.labels.map((label) => `${label.key}=${label.value}`))),
  ].sort();

  return (
    <form className="job-form" onSubmit={onSubmit} noValidate aria-busy={busy}>
      {serverProblem && !controlOf(serverProblem.field) && <ProblemBanner problem={serverProblem} />}
      {serverProblem?.field && !document.getElementById(`job-${controlOf(serverProblem.field)}`) && (
        <ProblemBanner problem={serverProblem} />
      )}
      <fieldset>
        <legend>Basic information</legend>
        <Field
          id="job-name"
          label="Job name"
          hint="1–64 characters: letters, digits, _ and -, starting with a letter or digit."
          error={errorOf('name')}
        >
          {(props) => (
            <input
              {...props}
              value={values.name}
              onChange={(event) => set('name', event.target.value)}
              readOnly={Boolean(edited)}
              required
            />
          )}
        </Field>
        <Field id="job-enterpriseProjectId" label="Enterprise project" error={errorOf('enterpriseProjectId')}>
          {(props) => (
            <select
              {...props}
              value={values.enterpriseProjectId}
              disabled={Boolean(edited)}
              onChange={(event) => {
                set('enterpriseProjectId', event.target.value);
                setValues((current) => ({
                  ...current,
                  enterpriseProjectId: event.target.value,
                  packageId: '',
                  clusterId: '',
                  nodeLabels: [],
                }));
              }}
            >
              {projects.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="job-description"
          label="Description"
          hint={`${values.description.length}/${DESCRIPTION_MAX}`}
          error={errorOf('description')}
        >
          {(props) => (
            <textarea
              {...props}
              rows={2}
              value={values.description}
              onChange={(event) => set('description', event.target.value)}
            />
          )}
        </Field>
      </fieldset>

      <fieldset>
        <legend>Package and build</legend>
        <Field
          id="job-packageId"
          label="Software package"
          hint={
            chosenPackage
              ? `${chosenPackage.source === 'OBS' ? `OBS bucket ${chosenPackage.bucket}` : 'SWR'} · ${chosenPackage.techStack ?? 'stack unknown'}`
              : 'Only READY packages of the project.'
          }
          error={errorOf('packageId')}
        >
          {(props) => (
            <select {...props} value={values.packageId} onChange={(event) => set('packageId', event.target.value)}>
              <option value="">Choose a package…</option>
              {packages.map((pkg) => (
                <option key={pkg.id} value={pkg.id}>
                  {pkg.name} {pkg.version} ({pkg.techStack ?? '?'})
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset className="choices">
          <legend>Build type</legend>
          {BUILD_TYPES.map(([type, label]) => (
            <label key={type}>
              <input
                type="radio"
                name="buildType"
                value={type}
                checked={values.buildType === type}
                onChange={() => set('buildType', type)}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        {values.buildType === 'SYSTEM_DEFAULT' && (
          <div className="row">
            <Field
              id="job-baseImage"
              label="Base image"
              error={errorOf('baseImage')}
              hint={techStack ? undefined : 'Choose a package first: its stack picks the catalog.'}
            >
              {(props) => (
                <select {...props} value={values.baseImage} onChange={(event) => set('baseImage', event.target.value)}>
                  {[...baseImages.keys()].map((repository) => (
                    <option key={repository} value={repository}>
                      {repository}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field id="job-baseImageTag" label="Base image tag" error={errorOf('baseImageTag')}>
              {(props) => (
                <select {...props} value={values.baseImageTag} onChange={(event) => set('baseImageTag', event.target.value)}>
                  {(baseImages.get(values.baseImage) ?? []).map((tag) => (
                    <option key={tag} value={tag}>
                      {tag}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        )}
        {values.buildType === 'IMAGE' && (
          <Field
            id="job-baseImage"
            label="Base image"
            hint={`An image of the package's stack, e.g. ${[...baseImages.keys()][0] ?? 'a catalog image'}:TAG.`}
            error={errorOf('baseImage')}
          >
            {(props) => (
              <input
                {...props}
                value={values.baseImage}
                onChange={(event) => set('baseImage', event.target.value)}
                spellCheck={false}
              />
            )}
          </Field>
        )}
        {values.buildType === 'CUSTOM_DOCKERFILE' && (
          <DockerfileEditor
            value={values.dockerfile}
            onChange={(text) => set('dockerfile', text)}
            error={errorOf('dockerfile')}
            warnings={warnings}
          />
        )}
      </fieldset>

      <fieldset>
        <legend>Image</legend>
        <fieldset className="choices">
          <legend>Image class</legend>
          {(['PRIVATE', 'PUBLIC'] as const).map((imageClass) => (
            <label key={imageClass}>
              <input
                type="radio"
                name="imageClass"
                value={imageClass}
                checked={values.imageClass === imageClass}
                onChange={() => set('imageClass', imageClass)}
              />{' '}
              {imageClass === 'PRIVATE' ? 'Private (pull needs a right in the project)' : 'Public (anyone may pull)'}
            </label>
          ))}
        </fieldset>
        <Field
          id="job-archiveImage"
          label="Archive address"
          hint="Where the image is pushed: registry/repository:tag."
          error={errorOf('archiveImage')}
        >
          {(props) => (
            <input
              {...props}
              value={values.archiveImage}
              onChange={(event) => set('archiveImage', event.target.value)}
              spellCheck={false}
            />
          )}
        </Field>
      </fieldset>

      <fieldset>
        <legend>Where it builds</legend>
        <Field
          id="job-clusterId"
          label="Cluster"
          error={errorOf('clusterId')}
          hint={chosenCluster ? `${chosenCluster.type} · ${chosenCluster.status}` : 'Clusters of the chosen project.'}
        >
          {(props) => (
            <select
              {...props}
              value={values.clusterId}
              onChange={(event) => {
                set('clusterId', event.target.value);
                setValues((current) => ({ ...current, clusterId: event.target.value, nodeLabels: [] }));
              }}
            >
              <option value="">Choose a cluster…</option>
              {clusters.map((cluster) => (
                <option key={cluster.id} value={cluster.id}>
                  {cluster.name} ({cluster.type}, {cluster.status})
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset className="choices" id="job-nodeLabels" tabIndex={-1} aria-describedby="node-label-help">
          <legend>Node labels</legend>
          <p className="hint" id="node-label-help">
            Labels of the cluster's ready nodes that have an EIP; a build runs on a node carrying every label chosen.
          </p>
          {labelChoices.length === 0 && (
            <p className="hint">{chosenCluster ? 'No labelled node with an EIP.' : 'Choose a cluster first.'}</p>
          )}
          {labelChoices.map((label) => (
            <label key={label}>
              <input
                type="checkbox"
                checked={values.nodeLabels.includes(label)}
                onChange={(event) =>
                  set(
                    'nodeLabels',
                    event.target.checked ? [...values.nodeLabels, label] : values.nodeLabels.filter((chosen) => chosen !== label),
                  )
                }
              />{' '}
              {label}
            </label>
          ))}
          {selection && (
            <p role="status" className="hint">
              {selection.buildNodes.eligible.length === 0
                ? 'No node can build with these labels.'
                : `Builds may run on: ${selection.buildNodes.eligible.map((node) => node.name).join(', ')}.`}
            </p>
          )}
          {errorOf('nodeLabels') && (
            <div className="error" role="alert">
              {errorOf('nodeLabels')}
            </div>
          )}
        </fieldset>
      </fieldset>

      <div className="actions">
        <ActionButton type="submit" name="action" value="build" className="primary" refusal={buildRefusal} disabled={busy}>
          Build
        </ActionButton>
        <ActionButton type="submit" name="action" value="save" refusal={saveRefusal} disabled={busy}>
          Save
        </ActionButton>
      </div>
    </form>
  );
}

function DockerfileEditor({
  value,
  onChange,
  error,
  warnings,
}: {
  value: string;
  onChange: (text: string) => void;
  error: string | null;
  warnings: { line: number; kind: string; message: string }[];
}) {
  const lines = value.split('\n').length;
  return (
    <Field
      id="job-dockerfile"
      label="Dockerfile"
      error={error}
      hint={
        warnings.length > 0 ? (
          <ul className="warnings" aria-label="Likely secrets">
            {warnings.map((warning) => (
              <li key={`${warning.line}-${warning.kind}`}>
                Line {warning.line}: {warning.message}
              </li>
            ))}
          </ul>
        ) : (
          'Starts with FROM. Secrets found in it are reported by line when it is saved, and masked in build logs.'
        )
      }
    >
      {(props) => (
        <div className="editor">
          <pre className="gutter" aria-hidden="true">
            {Array.from({ length: lines }, (_, index) => {
              const line = index + 1;
              return (
                <span key={line} className={warnings.some((warning) => warning.line === line) ? 'warned' : undefined}>
                  {line}
                  {'\n'}
                </span>
              );
            })}
          </pre>
          <textarea
            {...props}
            rows={Math.max(6, lines)}
            value={value}
            spellCheck={false}
            onChange={(event) => onChange(event.target.value)}
          />
        </div>
      )}
    </Field>
  );
}

/** `repo:tag` strings of the catalog, grouped as repository → tags. */
function groupByRepository(references: string[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const reference of references) {
    const colon = reference.lastIndexOf(':');
    const repository = colon > reference.lastIndexOf('/') ? reference.slice(0, colon) : reference;
    const tag = colon > reference.lastIndexOf('/') ? reference.slice(colon + 1) : 'latest';
    grouped.set(repository, [...(grouped.get(repository) ?? []), tag]);
  }
  return grouped;
}
