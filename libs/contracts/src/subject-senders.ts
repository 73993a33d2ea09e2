import { ArtifactsSubjects } from './artifacts/artifacts.subjects';
import { BuildsSubjects } from './builds/builds.subjects';
import { WebhooksSubjects } from './builds/webhooks.subjects';
import { ClustersSubjects } from './clusters/clusters.subjects';
import { IamSubjects } from './iam/iam.subjects';
import { JobsSubjects } from './jobs/jobs.subjects';
import type { Subject } from './subject-map';

/**
 * The processes of Stagecraft, each with a NATS identity of its own. The services are named
 * after the subjects they answer (`iam.…` is answered by `iam`); the gateway answers none.
 */
export const PROCESS_IDENTITIES = ['gateway', 'iam', 'jobs', 'artifacts', 'clusters', 'builds'] as const;
export type ProcessIdentity = (typeof PROCESS_IDENTITIES)[number];
export type ServiceIdentity = Exclude<ProcessIdentity, 'gateway'>;

/** The gateway's /health, and the service's own container probe (deploy/docker/healthcheck.cjs). */
const healthProbers = (service: ServiceIdentity): readonly ProcessIdentity[] => ['gateway', service];

const SERVICES_THAT_VERIFY_CALLERS: readonly ProcessIdentity[] = ['gateway', 'jobs', 'artifacts', 'clusters', 'builds'];

/**
 * Who may send each request subject: the NATS server's publish permissions are generated from
 * this table, so a process not named here cannot put a request on that subject at all. A
 * service-only handler declares the same callers (a test holds the two equal).
 */
export const SUBJECT_SENDERS: { readonly [S in Subject]: readonly ProcessIdentity[] } = {
  [IamSubjects.createAccessToken]: ['gateway'],
  // Every process verifies tokens and compiles the caller's rules itself.
  [IamSubjects.getSigningKeys]: SERVICES_THAT_VERIFY_CALLERS,
  [IamSubjects.getCallerRules]: SERVICES_THAT_VERIFY_CALLERS,
  [IamSubjects.getEnterpriseProjects]: SERVICES_THAT_VERIFY_CALLERS,
  [IamSubjects.getDefaultProject]: SERVICES_THAT_VERIFY_CALLERS,
  [IamSubjects.me]: ['gateway'],
  [IamSubjects.listEnterpriseProjects]: ['gateway'],
  [IamSubjects.createEnterpriseProject]: ['gateway'],
  [IamSubjects.createUser]: ['gateway'],
  [IamSubjects.getUsers]: ['gateway'],
  [IamSubjects.listUsers]: ['gateway'],
  [IamSubjects.createAccessKey]: ['gateway'],
  [IamSubjects.listPolicies]: ['gateway'],
  [IamSubjects.createPolicy]: ['gateway'],
  [IamSubjects.updatePolicy]: ['gateway'],
  [IamSubjects.deletePolicy]: ['gateway'],
  [IamSubjects.listAttachments]: ['gateway'],
  [IamSubjects.attachPolicy]: ['gateway'],
  [IamSubjects.detachPolicy]: ['gateway'],
  [IamSubjects.explainPermission]: ['gateway'],
  [IamSubjects.health]: healthProbers('iam'),
  [IamSubjects.deleteUser]: ['gateway'],
  [IamSubjects.disableAccessKey]: ['gateway'],
  [IamSubjects.enableAccessKey]: ['gateway'],
  [IamSubjects.deleteAccessKey]: ['gateway'],
  [IamSubjects.revokeTokens]: ['gateway'],
  [IamSubjects.createSession]: ['gateway'],
  [IamSubjects.refreshSession]: ['gateway'],
  [IamSubjects.listAuditRecords]: ['gateway'],
  [IamSubjects.registryToken]: ['gateway'],
  [IamSubjects.buildRegistryCredential]: ['builds'],
  [IamSubjects.pruneRegistryCredential]: ['builds'],
  [IamSubjects.listImageRepositories]: ['gateway'],
  [IamSubjects.setImageRepositoryClass]: ['gateway'],
  [IamSubjects.createRobotAccount]: ['gateway'],
  [IamSubjects.listRobotAccounts]: ['gateway'],
  [IamSubjects.deleteRobotAccount]: ['gateway'],

  [ArtifactsSubjects.createPackageUpload]: ['gateway'],
  [ArtifactsSubjects.completePackageUpload]: ['gateway'],
  [ArtifactsSubjects.uploadTarget]: ['gateway'],
  [ArtifactsSubjects.downloadUrl]: ['builds'],
  [ArtifactsSubjects.buildDownloadUrl]: ['builds'],
  [ArtifactsSubjects.rebuildGrant]: ['builds'],
  [ArtifactsSubjects.registerObsPackage]: ['gateway'],
  [ArtifactsSubjects.deletePackage]: ['gateway'],
  [ArtifactsSubjects.getPackage]: ['gateway', 'jobs'],
  [ArtifactsSubjects.listPackages]: ['gateway'],
  [ArtifactsSubjects.configureObsCredentials]: ['gateway'],
  [ArtifactsSubjects.health]: healthProbers('artifacts'),

  [ClustersSubjects.registerCluster]: ['gateway'],
  [ClustersSubjects.refreshCluster]: ['gateway'],
  [ClustersSubjects.deleteCluster]: ['gateway'],
  [ClustersSubjects.getCluster]: ['gateway', 'jobs'],
  [ClustersSubjects.listClusters]: ['gateway'],
  [ClustersSubjects.selectNodes]: ['gateway', 'jobs'],
  [ClustersSubjects.buildTarget]: ['builds'],
  [ClustersSubjects.health]: healthProbers('clusters'),

  [JobsSubjects.createJob]: ['gateway'],
  [JobsSubjects.updateJob]: ['gateway'],
  [JobsSubjects.deleteJob]: ['gateway'],
  [JobsSubjects.getJob]: ['gateway'],
  [JobsSubjects.getJobForBuild]: ['builds'],
  [JobsSubjects.getJobForAutoRebase]: ['builds'],
  [JobsSubjects.listJobs]: ['gateway'],
  [JobsSubjects.baseImages]: ['gateway'],
  [JobsSubjects.usage]: ['artifacts', 'clusters'],
  [JobsSubjects.health]: healthProbers('jobs'),

  [BuildsSubjects.startBuild]: ['gateway'],
  [BuildsSubjects.startBuildForJob]: ['jobs'],
  [BuildsSubjects.cancelBuild]: ['gateway'],
  [BuildsSubjects.getBuild]: ['gateway'],
  [BuildsSubjects.listBuilds]: ['gateway'],
  [BuildsSubjects.lastBuilds]: ['gateway'],
  [BuildsSubjects.baseImageImpact]: ['gateway'],
  [BuildsSubjects.buildLog]: ['gateway'],
  [BuildsSubjects.getBuildAttestation]: ['gateway'],
  [BuildsSubjects.attestationKey]: ['gateway'],
  [BuildsSubjects.deleteJobBuilds]: ['jobs'],
  [BuildsSubjects.jobBuildRetention]: ['gateway'],
  [BuildsSubjects.setJobBuildRetention]: ['gateway'],
  [BuildsSubjects.projectBuildRetention]: ['gateway'],
  [BuildsSubjects.setProjectBuildRetention]: ['gateway'],
  [BuildsSubjects.health]: healthProbers('builds'),

  [WebhooksSubjects.createWebhook]: ['gateway'],
  [WebhooksSubjects.updateWebhook]: ['gateway'],
  [WebhooksSubjects.rotateWebhookSecret]: ['gateway'],
  [WebhooksSubjects.deleteWebhook]: ['gateway'],
  [WebhooksSubjects.listWebhooks]: ['gateway'],
  [WebhooksSubjects.webhookDeliveries]: ['gateway'],
};

/** The service that answers a subject: its first token. */
export function subjectOwner(subject: Subject): ServiceIdentity {
  return subject.slice(0, subject.indexOf('.')) as ServiceIdentity;
}

/** Fire-and-forget events on core NATS: who publishes each, and who listens. */
export const EVENT_SUBJECTS: Readonly<
  Record<string, { publishers: readonly ProcessIdentity[]; listeners: readonly ProcessIdentity[] }>
> = {
  // Every process caches compiled rules (iam too) and drops them on this event.
  [IamSubjects.authzChanged]: { publishers: ['iam'], listeners: PROCESS_IDENTITIES },
  // Who did what: every service reports its own changes, only iam reads (and stores) them.
  [IamSubjects.auditRecorded]: { publishers: ['iam', 'jobs', 'artifacts', 'clusters', 'builds'], listeners: ['iam'] },
};
