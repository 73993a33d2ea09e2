import type {
  ObsCredentialsDto,
  PackageDownloadDto,
  PackageUploadDto,
  SoftwarePackageDto,
  UploadTargetDto,
} from './artifacts/artifacts.dto';
import type {
  BuildDownloadUrlRequest,
  ConfigureObsCredentialsRequest,
  CreatePackageUploadRequest,
  DownloadUrlRequest,
  ListPackagesRequest,
  PackageIdRequest,
  RebuildGrantRequest,
  RegisterObsPackageRequest,
  UploadTargetRequest,
} from './artifacts/artifacts.requests';
import { ArtifactsSubjects } from './artifacts/artifacts.subjects';
import type {
  AttestationKeyDto,
  BaseImageImpactDto,
  BuildAttestationDto,
  BuildDto,
  BuildLogChunkDto,
  BuildPageDto,
  BuildRetentionDto,
} from './builds/builds.dto';
import type {
  BaseImageImpactRequest,
  BuildIdRequest,
  BuildLogRequest,
  JobBuildRetentionRequest,
  JobBuildsRequest,
  LastBuildsRequest,
  ListBuildsRequest,
  ProjectBuildRetentionRequest,
  SetJobBuildRetentionRequest,
  SetProjectBuildRetentionRequest,
  StartBuildForJobRequest,
  StartBuildRequest,
} from './builds/builds.requests';
import { BuildsSubjects } from './builds/builds.subjects';
import type { WebhookDeliveryDto, WebhookDto, WebhookWithSecretDto } from './builds/webhooks.dto';
import type {
  CreateWebhookRequest,
  ListWebhooksRequest,
  UpdateWebhookRequest,
  WebhookDeliveriesRequest,
  WebhookIdRequest,
} from './builds/webhooks.requests';
import { WebhooksSubjects } from './builds/webhooks.subjects';
import type { BuildTargetDto, ClusterDto, NodeSelectionDto } from './clusters/clusters.dto';
import type {
  ClusterIdRequest,
  ListClustersRequest,
  RegisterClusterRequest,
  SelectNodesRequest,
} from './clusters/clusters.requests';
import { ClustersSubjects } from './clusters/clusters.subjects';
import type { PageDto } from './common/page';
import type { HealthDto } from './health';
import type {
  AccessKeyDto,
  AccessTokenDto,
  AuditRecordDto,
  CallerRulesDto,
  EnterpriseProjectDto,
  JsonWebKeySetDto,
  PermissionDecisionDto,
  PolicyAttachmentDto,
  PolicyDto,
  SessionDto,
  UserDto,
  UserWithKeysDto,
} from './iam/iam.dto';
import type {
  AccessKeyRequest,
  AttachPolicyRequest,
  CreateAccessKeyRequest,
  CreateAccessTokenRequest,
  CreateEnterpriseProjectRequest,
  CreatePolicyRequest,
  CreateUserRequest,
  EmptyRequest,
  ExplainPermissionRequest,
  IdRequest,
  ListAttachmentsRequest,
  ListAuditRecordsRequest,
  ProjectIdsRequest,
  RefreshSessionRequest,
  UpdatePolicyRequest,
  UserIdRequest,
  UserIdsRequest,
} from './iam/iam.requests';
import { IamSubjects } from './iam/iam.subjects';
import type {
  BuildRegistryCredentialRequest,
  CreatedRobotAccountDto,
  CreateRobotAccountRequest,
  ImageRepositoryDto,
  ListImageRepositoriesRequest,
  PruneRegistryCredentialRequest,
  RegistryCredentialDto,
  RegistryTokenDto,
  RegistryTokenRequest,
  RobotAccountDto,
  RobotAccountIdRequest,
  RobotAccountsRequest,
  SetImageRepositoryClassRequest,
} from './iam/registry.contracts';
import type { CreatedPackageJobDto } from './jobs/created-package-job.dto';
import type { JobUsageDto, PackageJobDto, PackageJobPageDto } from './jobs/jobs.dto';
import type {
  AutoRebaseJobRequest,
  BaseImagesRequest,
  CreatePackageJobRequest,
  JobIdRequest,
  JobUsageRequest,
  ListPackageJobsRequest,
  UpdatePackageJobRequest,
} from './jobs/jobs.requests';
import { JobsSubjects } from './jobs/jobs.subjects';

type Rpc<Req, Res> = { request: Req; response: Res };

/** Subject → request and response: what makes `client.send(subject, payload)` typed. */
export interface SubjectMap {
  [IamSubjects.createAccessToken]: Rpc<CreateAccessTokenRequest, AccessTokenDto>;
  [IamSubjects.getSigningKeys]: Rpc<EmptyRequest, JsonWebKeySetDto>;
  [IamSubjects.getCallerRules]: Rpc<EmptyRequest, CallerRulesDto>;
  [IamSubjects.me]: Rpc<EmptyRequest, UserDto>;
  [IamSubjects.listEnterpriseProjects]: Rpc<EmptyRequest, EnterpriseProjectDto[]>;
  [IamSubjects.getEnterpriseProjects]: Rpc<ProjectIdsRequest, EnterpriseProjectDto[]>;
  [IamSubjects.createEnterpriseProject]: Rpc<CreateEnterpriseProjectRequest, EnterpriseProjectDto>;
  [IamSubjects.createUser]: Rpc<CreateUserRequest, UserDto>;
  [IamSubjects.getUsers]: Rpc<UserIdsRequest, UserDto[]>;
  [IamSubjects.listUsers]: Rpc<EmptyRequest, UserWithKeysDto[]>;
  [IamSubjects.createAccessKey]: Rpc<CreateAccessKeyRequest, AccessKeyDto>;
  [IamSubjects.listPolicies]: Rpc<EmptyRequest, PolicyDto[]>;
  [IamSubjects.createPolicy]: Rpc<CreatePolicyRequest, PolicyDto>;
  [IamSubjects.updatePolicy]: Rpc<UpdatePolicyRequest, PolicyDto>;
  [IamSubjects.deletePolicy]: Rpc<IdRequest, { id: string }>;
  [IamSubjects.listAttachments]: Rpc<ListAttachmentsRequest, PolicyAttachmentDto[]>;
  [IamSubjects.attachPolicy]: Rpc<AttachPolicyRequest, PolicyAttachmentDto>;
  [IamSubjects.detachPolicy]: Rpc<IdRequest, { id: string }>;
  [IamSubjects.explainPermission]: Rpc<ExplainPermissionRequest, PermissionDecisionDto>;
  [IamSubjects.getDefaultProject]: Rpc<EmptyRequest, EnterpriseProjectDto>;
  [IamSubjects.health]: Rpc<EmptyRequest, HealthDto>;
  [IamSubjects.deleteUser]: Rpc<IdRequest, { id: string }>;
  [IamSubjects.disableAccessKey]: Rpc<AccessKeyRequest, { accessKey: string; enabled: boolean }>;
  [IamSubjects.enableAccessKey]: Rpc<AccessKeyRequest, { accessKey: string; enabled: boolean }>;
  [IamSubjects.deleteAccessKey]: Rpc<AccessKeyRequest, { accessKey: string }>;
  [IamSubjects.revokeTokens]: Rpc<UserIdRequest, { userId: string; revokedAt: string }>;
  [IamSubjects.createSession]: Rpc<CreateAccessTokenRequest, SessionDto>;
  [IamSubjects.refreshSession]: Rpc<RefreshSessionRequest, SessionDto>;
  [IamSubjects.listAuditRecords]: Rpc<ListAuditRecordsRequest, PageDto<AuditRecordDto>>;
  [IamSubjects.registryToken]: Rpc<RegistryTokenRequest, RegistryTokenDto>;
  [IamSubjects.buildRegistryCredential]: Rpc<BuildRegistryCredentialRequest, RegistryCredentialDto>;
  [IamSubjects.pruneRegistryCredential]: Rpc<PruneRegistryCredentialRequest, RegistryCredentialDto>;
  [IamSubjects.listImageRepositories]: Rpc<ListImageRepositoriesRequest, ImageRepositoryDto[]>;
  [IamSubjects.setImageRepositoryClass]: Rpc<SetImageRepositoryClassRequest, ImageRepositoryDto>;
  [IamSubjects.createRobotAccount]: Rpc<CreateRobotAccountRequest, CreatedRobotAccountDto>;
  [IamSubjects.listRobotAccounts]: Rpc<RobotAccountsRequest, RobotAccountDto[]>;
  [IamSubjects.deleteRobotAccount]: Rpc<RobotAccountIdRequest, { id: string }>;

  [ArtifactsSubjects.createPackageUpload]: Rpc<CreatePackageUploadRequest, PackageUploadDto>;
  [ArtifactsSubjects.completePackageUpload]: Rpc<PackageIdRequest, SoftwarePackageDto>;
  [ArtifactsSubjects.uploadTarget]: Rpc<UploadTargetRequest, UploadTargetDto>;
  [ArtifactsSubjects.downloadUrl]: Rpc<DownloadUrlRequest, PackageDownloadDto>;
  [ArtifactsSubjects.buildDownloadUrl]: Rpc<BuildDownloadUrlRequest, PackageDownloadDto>;
  [ArtifactsSubjects.rebuildGrant]: Rpc<RebuildGrantRequest, { grant: string; sha256: string }>;
  [ArtifactsSubjects.registerObsPackage]: Rpc<RegisterObsPackageRequest, SoftwarePackageDto>;
  [ArtifactsSubjects.deletePackage]: Rpc<PackageIdRequest, { id: string }>;
  [ArtifactsSubjects.getPackage]: Rpc<PackageIdRequest, SoftwarePackageDto>;
  [ArtifactsSubjects.listPackages]: Rpc<ListPackagesRequest, PageDto<SoftwarePackageDto>>;
  [ArtifactsSubjects.configureObsCredentials]: Rpc<ConfigureObsCredentialsRequest, ObsCredentialsDto>;
  [ArtifactsSubjects.health]: Rpc<EmptyRequest, HealthDto>;

  [ClustersSubjects.registerCluster]: Rpc<RegisterClusterRequest, ClusterDto>;
  [ClustersSubjects.refreshCluster]: Rpc<ClusterIdRequest, ClusterDto>;
  [ClustersSubjects.deleteCluster]: Rpc<ClusterIdRequest, { id: string }>;
  [ClustersSubjects.getCluster]: Rpc<ClusterIdRequest, ClusterDto>;
  [ClustersSubjects.listClusters]: Rpc<ListClustersRequest, PageDto<ClusterDto>>;
  [ClustersSubjects.selectNodes]: Rpc<SelectNodesRequest, NodeSelectionDto>;
  [ClustersSubjects.buildTarget]: Rpc<SelectNodesRequest, BuildTargetDto>;
  [ClustersSubjects.health]: Rpc<EmptyRequest, HealthDto>;

  [JobsSubjects.createJob]: Rpc<CreatePackageJobRequest, CreatedPackageJobDto>;
  [JobsSubjects.updateJob]: Rpc<UpdatePackageJobRequest, PackageJobDto>;
  [JobsSubjects.deleteJob]: Rpc<JobIdRequest, { id: string }>;
  [JobsSubjects.getJob]: Rpc<JobIdRequest, PackageJobDto>;
  [JobsSubjects.getJobForBuild]: Rpc<JobIdRequest, PackageJobDto>;
  [JobsSubjects.getJobForAutoRebase]: Rpc<AutoRebaseJobRequest, PackageJobDto>;
  [JobsSubjects.listJobs]: Rpc<ListPackageJobsRequest, PackageJobPageDto>;
  [JobsSubjects.baseImages]: Rpc<BaseImagesRequest, string[]>;
  [JobsSubjects.usage]: Rpc<JobUsageRequest, JobUsageDto>;
  [JobsSubjects.health]: Rpc<EmptyRequest, HealthDto>;

  [BuildsSubjects.startBuild]: Rpc<StartBuildRequest, BuildDto>;
  [BuildsSubjects.startBuildForJob]: Rpc<StartBuildForJobRequest, BuildDto>;
  [BuildsSubjects.cancelBuild]: Rpc<BuildIdRequest, BuildDto>;
  [BuildsSubjects.getBuild]: Rpc<BuildIdRequest, BuildDto>;
  [BuildsSubjects.listBuilds]: Rpc<ListBuildsRequest, BuildPageDto>;
  [BuildsSubjects.lastBuilds]: Rpc<LastBuildsRequest, BuildDto[]>;
  [BuildsSubjects.baseImageImpact]: Rpc<BaseImageImpactRequest, BaseImageImpactDto[]>;
  [BuildsSubjects.buildLog]: Rpc<BuildLogRequest, BuildLogChunkDto>;
  [BuildsSubjects.getBuildAttestation]: Rpc<BuildIdRequest, { attestation: BuildAttestationDto | null }>;
  [BuildsSubjects.attestationKey]: Rpc<EmptyRequest, AttestationKeyDto>;
  [BuildsSubjects.deleteJobBuilds]: Rpc<JobBuildsRequest, { deleted: number }>;
  [BuildsSubjects.jobBuildRetention]: Rpc<JobBuildRetentionRequest, BuildRetentionDto>;
  [BuildsSubjects.setJobBuildRetention]: Rpc<SetJobBuildRetentionRequest, BuildRetentionDto>;
  [BuildsSubjects.projectBuildRetention]: Rpc<ProjectBuildRetentionRequest, BuildRetentionDto>;
  [BuildsSubjects.setProjectBuildRetention]: Rpc<SetProjectBuildRetentionRequest, BuildRetentionDto>;
  [BuildsSubjects.health]: Rpc<EmptyRequest, HealthDto>;

  [WebhooksSubjects.createWebhook]: Rpc<CreateWebhookRequest, WebhookWithSecretDto>;
  [WebhooksSubjects.updateWebhook]: Rpc<UpdateWebhookRequest, WebhookDto>;
  [WebhooksSubjects.rotateWebhookSecret]: Rpc<WebhookIdRequest, WebhookWithSecretDto>;
  [WebhooksSubjects.deleteWebhook]: Rpc<WebhookIdRequest, { id: string }>;
  [WebhooksSubjects.listWebhooks]: Rpc<ListWebhooksRequest, WebhookDto[]>;
  [WebhooksSubjects.webhookDeliveries]: Rpc<WebhookDeliveriesRequest, WebhookDeliveryDto[]>;
}

export type Subject = keyof SubjectMap;
export type RequestOf<S extends Subject> = SubjectMap[S]['request'];
export type ResponseOf<S extends Subject> = SubjectMap[S]['response'];

/**
 * Requests that change nothing: a client may send one again when no answer came in time (the
 * replica holding it died) or nobody listened for a moment (one restarting). Every other request
 * may have taken effect without an answer, so it is sent once.
 */
export const READ_SUBJECTS: ReadonlySet<Subject> = new Set<Subject>([
  IamSubjects.getSigningKeys,
  IamSubjects.getCallerRules,
  IamSubjects.me,
  IamSubjects.listEnterpriseProjects,
  IamSubjects.getEnterpriseProjects,
  IamSubjects.getUsers,
  IamSubjects.listUsers,
  IamSubjects.listPolicies,
  IamSubjects.listAttachments,
  IamSubjects.explainPermission,
  IamSubjects.listAuditRecords,
  IamSubjects.listImageRepositories,
  IamSubjects.listRobotAccounts,
  IamSubjects.health,
  ArtifactsSubjects.getPackage,
  ArtifactsSubjects.rebuildGrant,
  ArtifactsSubjects.listPackages,
  ArtifactsSubjects.health,
  ClustersSubjects.getCluster,
  ClustersSubjects.listClusters,
  ClustersSubjects.selectNodes,
  ClustersSubjects.health,
  JobsSubjects.getJob,
  JobsSubjects.getJobForBuild,
  JobsSubjects.getJobForAutoRebase,
  JobsSubjects.listJobs,
  JobsSubjects.baseImages,
  JobsSubjects.usage,
  JobsSubjects.health,
  BuildsSubjects.getBuild,
  BuildsSubjects.listBuilds,
  BuildsSubjects.lastBuilds,
  BuildsSubjects.baseImageImpact,
  BuildsSubjects.buildLog,
  BuildsSubjects.getBuildAttestation,
  BuildsSubjects.attestationKey,
  BuildsSubjects.jobBuildRetention,
  BuildsSubjects.projectBuildRetention,
  BuildsSubjects.health,
  WebhooksSubjects.listWebhooks,
  WebhooksSubjects.webhookDeliveries,
]);
