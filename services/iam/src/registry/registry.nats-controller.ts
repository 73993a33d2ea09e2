import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  BuildRegistryCredentialRequest,
  CreateRobotAccountRequest,
  IamSubjects,
  ListImageRepositoriesRequest,
  PruneRegistryCredentialRequest,
  RegistryTokenRequest,
  RobotAccountIdRequest,
  RobotAccountsRequest,
  SetImageRepositoryClassRequest,
} from '@stagecraft/contracts';
import { ProcessRpc, UserRpc } from '@stagecraft/messaging';

import { ImageRepositoriesService } from './image-repositories.service';
import { RegistryTokensService } from './registry-tokens.service';
import { RobotAccountsService } from './robot-accounts.service';

@Controller()
export class RegistryNatsController {
  constructor(
    private readonly tokens: RegistryTokensService,
    private readonly repositories: ImageRepositoriesService,
    private readonly robots: RobotAccountsService,
  ) {}

  /** The gateway's /registry/token, for any client: the credentials it carries decide, not a user token. */
  @ProcessRpc('gateway')
  @MessagePattern(IamSubjects.registryToken)
  token(@Payload() request: RegistryTokenRequest) {
    return this.tokens.token(request);
  }

  /** A build that starts (queued builds too, after their user's token is gone): the builds service only. */
  @ProcessRpc('builds')
  @MessagePattern(IamSubjects.buildRegistryCredential)
  buildCredential(@Payload() request: BuildRegistryCredentialRequest) {
    return this.tokens.buildCredential(request);
  }

  /** Deleting a pruned build's image (a policy that deletes images): the builds service only. */
  @ProcessRpc('builds')
  @MessagePattern(IamSubjects.pruneRegistryCredential)
  pruneCredential(@Payload() request: PruneRegistryCredentialRequest) {
    return this.tokens.pruneCredential(request);
  }

  @UserRpc(Actions.image.list, { emptyListWhenNowhere: true })
  @MessagePattern(IamSubjects.listImageRepositories)
  listRepositories(@Payload() request: ListImageRepositoriesRequest, @CurrentCaller() caller: Caller) {
    return this.repositories.list(caller, request);
  }

  @UserRpc(Actions.image.modify)
  @MessagePattern(IamSubjects.setImageRepositoryClass)
  setClass(@Payload() request: SetImageRepositoryClassRequest, @CurrentCaller() caller: Caller) {
    return this.repositories.setClass(caller, request);
  }

  @UserRpc(Actions.image.modify)
  @MessagePattern(IamSubjects.createRobotAccount)
  createRobot(@Payload() request: CreateRobotAccountRequest, @CurrentCaller() caller: Caller) {
    return this.robots.create(caller, request);
  }

  @UserRpc(Actions.image.list, { emptyListWhenNowhere: true })
  @MessagePattern(IamSubjects.listRobotAccounts)
  listRobots(@Payload() request: RobotAccountsRequest, @CurrentCaller() caller: Caller) {
    return this.robots.list(caller, request);
  }

  @UserRpc(Actions.image.modify)
  @MessagePattern(IamSubjects.deleteRobotAccount)
  deleteRobot(@Payload() request: RobotAccountIdRequest, @CurrentCaller() caller: Caller) {
    return this.robots.delete(caller, request);
  }
}
