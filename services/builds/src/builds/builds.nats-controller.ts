import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, Audited, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  BuildDto,
  BuildIdRequest,
  BuildLogRequest,
  BuildsSubjects,
  JobBuildsRequest,
  LastBuildsRequest,
  ListBuildsRequest,
  StartBuildForJobRequest,
  StartBuildRequest,
} from '@stagecraft/contracts';
import { ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { BuildsService } from './builds.service';

@Controller()
export class BuildsNatsController {
  constructor(private readonly builds: BuildsService) {}

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

  @ServiceRpc('jobs')
  @MessagePattern(BuildsSubjects.deleteJobBuilds)
  deleteJobBuilds(@Payload() request: JobBuildsRequest, @CurrentCaller() caller: Caller) {
    return this.builds.deleteJobBuilds(caller, request.jobId);
  }
}
