import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  BaseImagesRequest,
  CreatePackageJobRequest,
  JobIdRequest,
  JobsSubjects,
  JobUsageRequest,
  ListPackageJobsRequest,
  UpdatePackageJobRequest,
} from '@stagecraft/contracts';

import { PackageJobsService } from './package-jobs.service';

@Controller()
export class PackageJobsNatsController {
  constructor(private readonly jobs: PackageJobsService) {}

  @MessagePattern(JobsSubjects.createJob)
  create(@Payload() request: CreatePackageJobRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.create(caller, request.input, request.build ?? false);
  }

  @MessagePattern(JobsSubjects.updateJob)
  update(@Payload() request: UpdatePackageJobRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.update(caller, request.id, request.patch, request.expectedVersion);
  }

  @MessagePattern(JobsSubjects.deleteJob)
  delete(@Payload() request: JobIdRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.delete(caller, request.id);
  }

  @MessagePattern(JobsSubjects.getJob)
  get(@Payload() request: JobIdRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.get(caller, request.id);
  }

  @MessagePattern(JobsSubjects.listJobs)
  list(@Payload() request: ListPackageJobsRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.list(caller, request);
  }

  @MessagePattern(JobsSubjects.baseImages)
  baseImages(@Payload() request: BaseImagesRequest) {
    return this.jobs.baseImages(request.techStack);
  }

  @MessagePattern(JobsSubjects.usage)
  usage(@Payload() request: JobUsageRequest, @CurrentCaller() caller: Caller) {
    return this.jobs.usage(caller, request);
  }
}
