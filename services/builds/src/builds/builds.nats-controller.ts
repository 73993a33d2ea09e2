import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  BuildIdRequest,
  BuildLogRequest,
  BuildsSubjects,
  JobBuildsRequest,
  LastBuildsRequest,
  ListBuildsRequest,
  StartBuildRequest,
} from '@stagecraft/contracts';

import { BuildsService } from './builds.service';

@Controller()
export class BuildsNatsController {
  constructor(private readonly builds: BuildsService) {}

  @MessagePattern(BuildsSubjects.startBuild)
  start(@Payload() request: StartBuildRequest, @CurrentCaller() caller: Caller) {
    return this.builds.start(caller, request.jobId);
  }

  @MessagePattern(BuildsSubjects.cancelBuild)
  cancel(@Payload() request: BuildIdRequest, @CurrentCaller() caller: Caller) {
    return this.builds.cancel(caller, request.id);
  }

  @MessagePattern(BuildsSubjects.getBuild)
  get(@Payload() request: BuildIdRequest, @CurrentCaller() caller: Caller) {
    return this.builds.get(caller, request.id);
  }

  @MessagePattern(BuildsSubjects.listBuilds)
  list(@Payload() request: ListBuildsRequest, @CurrentCaller() caller: Caller) {
    return this.builds.list(caller, request.jobId, request);
  }

  @MessagePattern(BuildsSubjects.lastBuilds)
  lastBuilds(@Payload() request: LastBuildsRequest, @CurrentCaller() caller: Caller) {
    return this.builds.lastBuilds(caller, request.jobIds);
  }

  @MessagePattern(BuildsSubjects.buildLog)
  log(@Payload() request: BuildLogRequest, @CurrentCaller() caller: Caller) {
    return this.builds.log(caller, request.buildId, request.offset ?? 0, request.limit ?? 65536);
  }

  @MessagePattern(BuildsSubjects.deleteJobBuilds)
  deleteJobBuilds(@Payload() request: JobBuildsRequest, @CurrentCaller() caller: Caller) {
    return this.builds.deleteJobBuilds(caller, request.jobId);
  }
}
