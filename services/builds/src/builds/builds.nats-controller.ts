import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, Audited, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  BaseImageImpactRequest,
  BuildDto,
  BuildIdRequest,
  BuildLogRequest,
  type BuildRetentionDto,
  BuildsSubjects,
  JobBuildRetentionRequest,
  JobBuildsRequest,
  LastBuildsRequest,
  ListBuildsRequest,
  ProjectBuildRetentionRequest,
  SetJobBuildRetentionRequest,
  SetProjectBuildRetentionRequest,
  StartBuildForJobRequest,
  StartBuildRequest,
} from '@stagecraft/contracts';
import { PublicRpc, ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { BaseImageImpactService } from './base-image-impact.service';
import { BuildAttestationsService } from './build-attestations.service';
import { BuildRetentionService } from './build-retention.service';
import { BuildsService } from './builds.service';

/** What an audit record of a retention change names: the job, or the project for its default. */
const retentionResource = (retention: BuildRetentionDto) => ({
  id: retention.jobId ?? retention.enterpriseProjectId,
  enterpriseProjectId: retention.enterpriseProjectId,
});

@Controller()
export class BuildsNatsController {
  constructor(
    private readonly builds: BuildsService,
    private readonly retention: BuildRetentionService,
    private readonly attestations: BuildAttestationsService,
    private readonly impact: BaseImageImpactService,
  ) {}

  @UserRpc(Actions.assembling.create)
  @Audited<BuildDto>('servicestage:builds:start', 'build', (build) => build)
  @MessagePattern(BuildsSubjects.startBuild)
  start(@Payload() request: StartBuildRequest, @CurrentCaller() caller: Caller) {
    return this.builds.start(caller, request.jobId);
  }

  @ServiceRpc('jobs')
  @Audited<BuildDto>('servicestage:builds:start', 'build', (build) => build)
  @MessagePattern(BuildsSubjects.startBuildForJob)
  startForJob(@Payload() request: StartBuildForJobRequest, @CurrentCaller() caller: Caller) {
    return this.builds.startFor(caller, request.job);
  }

  @UserRpc(Actions.assembling.list, { emptyListWhenNowhere: true })
  @MessagePattern(BuildsSubjects.baseImageImpact)
  baseImageImpact(@Payload() request: BaseImageImpactRequest, @CurrentCaller() caller: Caller) {
    return this.impact.of(caller, request.baseImage);
  }

  @UserRpc(Actions.assembling.modify)
  @Audited<BuildDto>('servicestage:builds:cancel', 'build', (build) => build)
  @MessagePattern(BuildsSubjects.cancelBuild)
  cancel(@Payload() request: BuildIdRequest, @CurrentCaller() caller: Caller) {
    return this.builds.cancel(caller, request.id);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(BuildsSubjects.getBuild)
  get(@Payload() request: BuildIdRequest, @CurrentCaller() caller: Caller) {
    return this.builds.get(caller, request.id);
  }

  @UserRpc(Actions.assembling.list, { emptyListWhenNowhere: true })
  @MessagePattern(BuildsSubjects.listBuilds)
  list(@Payload() request: ListBuildsRequest, @CurrentCaller() caller: Caller) {
    return this.builds.list(caller, request.jobId, request);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(BuildsSubjects.lastBuilds)
  lastBuilds(@Payload() request: LastBuildsRequest, @CurrentCaller() caller: Caller) {
    return this.builds.lastBuilds(caller, request.jobIds);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(BuildsSubjects.buildLog)
  log(@Payload() request: BuildLogRequest, @CurrentCaller() caller: Caller) {
    return this.builds.log(caller, request.buildId, request.offset ?? 0, request.limit ?? 65536);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(BuildsSubjects.getBuildAttestation)
  attestation(@Payload() request: BuildIdRequest, @CurrentCaller() caller: Caller) {
    return this.attestations.ofBuild(caller, request.id);
  }

  /** A public key: verifiers outside the platform (CI, admission controllers) need it without an account. */
  @PublicRpc()
  @MessagePattern(BuildsSubjects.attestationKey)
  attestationKey() {
    return this.attestations.publicKey();
  }

  @ServiceRpc('jobs')
  @MessagePattern(BuildsSubjects.deleteJobBuilds)
  deleteJobBuilds(@Payload() request: JobBuildsRequest, @CurrentCaller() caller: Caller) {
    return this.builds.deleteJobBuilds(caller, request.jobId);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(BuildsSubjects.jobBuildRetention)
  jobRetention(@Payload() request: JobBuildRetentionRequest, @CurrentCaller() caller: Caller) {
    return this.retention.ofJob(caller, request.jobId);
  }

  @UserRpc(Actions.assembling.modify)
  @Audited<BuildRetentionDto>('servicestage:builds:set-retention', 'package-job', retentionResource)
  @MessagePattern(BuildsSubjects.setJobBuildRetention)
  setJobRetention(@Payload() request: SetJobBuildRetentionRequest, @CurrentCaller() caller: Caller) {
    return this.retention.setForJob(caller, request.jobId, request.retention ?? null);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(BuildsSubjects.projectBuildRetention)
  projectRetention(@Payload() request: ProjectBuildRetentionRequest, @CurrentCaller() caller: Caller) {
    return this.retention.ofProject(caller, request.enterpriseProjectId);
  }

  @UserRpc(Actions.assembling.modify)
  @Audited<BuildRetentionDto>('servicestage:builds:set-retention', 'enterprise-project', retentionResource)
  @MessagePattern(BuildsSubjects.setProjectBuildRetention)
  setProjectRetention(@Payload() request: SetProjectBuildRetentionRequest, @CurrentCaller() caller: Caller) {
    return this.retention.setForProject(caller, request.enterpriseProjectId, request.retention ?? null);
  }
}
