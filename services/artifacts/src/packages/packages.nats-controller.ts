import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  ArtifactsSubjects,
  BuildDownloadUrlRequest,
  ConfigureObsCredentialsRequest,
  CreatePackageUploadRequest,
  DownloadUrlRequest,
  ListPackagesRequest,
  PackageIdRequest,
  RebuildGrantRequest,
  RegisterObsPackageRequest,
  UploadTargetRequest,
} from '@stagecraft/contracts';
import { AdminRpc, ProcessRpc, ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { ObsCredentialsService } from '../obs-credentials/obs-credentials.service';
import { PackagesService } from './packages.service';

@Controller()
export class PackagesNatsController {
  constructor(
    private readonly packages: PackagesService,
    private readonly obsCredentials: ObsCredentialsService,
  ) {}

  @UserRpc(Actions.package.create)
  @MessagePattern(ArtifactsSubjects.createPackageUpload)
  createUpload(@Payload() request: CreatePackageUploadRequest, @CurrentCaller() caller: Caller) {
    return this.packages.createUpload(caller, request);
  }

  @UserRpc(Actions.package.create)
  @MessagePattern(ArtifactsSubjects.completePackageUpload)
  completeUpload(@Payload() request: PackageIdRequest, @CurrentCaller() caller: Caller) {
    return this.packages.completeUpload(caller, request.id);
  }

  @UserRpc(Actions.package.create)
  @MessagePattern(ArtifactsSubjects.uploadTarget)
  uploadTarget(@Payload() request: UploadTargetRequest, @CurrentCaller() caller: Caller) {
    return this.packages.uploadTarget(caller, request.id, request.sizeBytes);
  }

  @ServiceRpc('builds')
  @MessagePattern(ArtifactsSubjects.downloadUrl)
  downloadUrl(@Payload() request: DownloadUrlRequest, @CurrentCaller() caller: Caller) {
    return this.packages.downloadUrl(caller, request.id, request.ttlSeconds);
  }

  @ProcessRpc('builds')
  @MessagePattern(ArtifactsSubjects.buildDownloadUrl)
  buildDownloadUrl(@Payload() request: BuildDownloadUrlRequest) {
    return this.packages.buildDownloadUrl(request);
  }

  @ProcessRpc('builds')
  @MessagePattern(ArtifactsSubjects.rebuildGrant)
  rebuildGrant(@Payload() request: RebuildGrantRequest) {
    return this.packages.rebuildGrant(request);
  }

  @UserRpc(Actions.package.create)
  @MessagePattern(ArtifactsSubjects.registerObsPackage)
  registerObs(@Payload() request: RegisterObsPackageRequest, @CurrentCaller() caller: Caller) {
    return this.packages.registerObs(caller, request);
  }

  @UserRpc(Actions.package.delete)
  @MessagePattern(ArtifactsSubjects.deletePackage)
  delete(@Payload() request: PackageIdRequest, @CurrentCaller() caller: Caller) {
    return this.packages.delete(caller, request.id);
  }

  @UserRpc(Actions.package.get)
  @MessagePattern(ArtifactsSubjects.getPackage)
  get(@Payload() request: PackageIdRequest, @CurrentCaller() caller: Caller) {
    return this.packages.get(caller, request.id);
  }

  @UserRpc(Actions.package.list, { emptyListWhenNowhere: true })
  @MessagePattern(ArtifactsSubjects.listPackages)
  list(@Payload() request: ListPackagesRequest, @CurrentCaller() caller: Caller) {
    return this.packages.list(caller, request);
  }

  @AdminRpc()
  @MessagePattern(ArtifactsSubjects.configureObsCredentials)
  configureObsCredentials(@Payload() request: ConfigureObsCredentialsRequest, @CurrentCaller() caller: Caller) {
    return this.obsCredentials.configure(caller, request);
  }
}
