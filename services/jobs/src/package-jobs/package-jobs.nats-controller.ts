import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, Audited, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  AutoRebaseJobRequest,
  BaseImagesRequest,
  CreatedPackageJobDto,
  CreatePackageJobRequest,
  JobIdRequest,
  JobsSubjects,
  JobUsageRequest,
  ListPackageJobsRequest,
  PackageJobDto,
  UpdatePackageJobRequest,
} from '@stagecraft/contracts';
import { ProcessRpc, ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { PackageJobsService } from './package-jobs.service';

@Controller()
export class PackageJobsNatsController {
  constructor(private readonly jobs: PackageJobsService) {}

  @UserRpc(Actions.assembling.create)
  @Audited<CreatedPackageJobDto>(Actions.assembling.create, 'package-job', (created) => created.job)
  @MessagePattern(JobsSubjects.createJob)
  create(@Payload() request: CreatePackageJobRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.create(caller, request.input, request.build ?? false);
  }

  @UserRpc(Actions.assembling.modify)
  @Audited<PackageJobDto>(Actions.assembling.modify, 'package-job', (job) => job)
  @MessagePattern(JobsSubjects.updateJob)
  update(@Payload() request: UpdatePackageJobRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.update(caller, request.id, request.patch, request.expectedVersion);
  }

  @UserRpc(Actions.assembling.delete)
  @Audited<{ id: string }>(Actions.assembling.delete, 'package-job', (deleted) => deleted)
  @MessagePattern(JobsSubjects.deleteJob)
  delete(@Payload() request: JobIdRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.delete(caller, request.id);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(JobsSubjects.getJob)
  get(@Payload() request: JobIdRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.get(caller, request.id);
  }

  @ServiceRpc('builds')
  @MessagePattern(JobsSubjects.getJobForBuild)
  getForBuild(@Payload() request: JobIdRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.getForBuild(caller, request.id);
  }

  @ProcessRpc('builds')
  @MessagePattern(JobsSubjects.getJobForAutoRebase)
  getForAutoRebase(@Payload() request: AutoRebaseJobRequest) {
    return this.jobs.getForAutoRebase(request.accountId, request.jobId);
  }

  @UserRpc(Actions.assembling.list, { emptyListWhenNowhere: true })
  @MessagePattern(JobsSubjects.listJobs)
  list(@Payload() request: ListPackageJobsRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.list(caller, request);
  }

  @ServiceRpc('gateway')
  @MessagePattern(JobsSubjects.baseImages)
  baseImages(@Payload() request: BaseImagesRequest) {
    return this.jobs.baseImages(request.techStack);
  }

  @ServiceRpc('artifacts', 'clusters')
  @MessagePattern(JobsSubjects.usage)
  usage(@Payload() request: JobUsageRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.usage(caller, request);
  }
}
