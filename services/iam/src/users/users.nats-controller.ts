import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  AccessKeyRequest,
  CreateAccessKeyRequest,
  CreateUserRequest,
  EmptyRequest,
  IamSubjects,
  IdRequest,
  UserIdRequest,
  UserIdsRequest,
} from '@stagecraft/contracts';
import { ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { UsersService } from './users.service';

@Controller()
export class UsersNatsController {
  constructor(private readonly users: UsersService) {}

  @ServiceRpc('gateway')
  @MessagePattern(IamSubjects.me)
  me(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.users.me(caller);
  }

  @UserRpc(Actions.users.create)
  @MessagePattern(IamSubjects.createUser)
  createUser(@Payload() request: CreateUserRequest, @CurrentCaller() caller: Caller) {
    return this.users.createUser(caller, request);
  }

  @UserRpc(Actions.assembling.get)
  @MessagePattern(IamSubjects.getUsers)
  getUsers(@Payload() request: UserIdsRequest, @CurrentCaller() caller: Caller) {
    return this.users.getUsers(caller, request.ids);
  }

  @UserRpc(Actions.users.get)
  @MessagePattern(IamSubjects.listUsers)
  listUsers(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.users.listUsers(caller);
  }

  @UserRpc(Actions.accessKeys.create)
  @MessagePattern(IamSubjects.createAccessKey)
  createAccessKey(@Payload() request: CreateAccessKeyRequest, @CurrentCaller() caller: Caller) {
    return this.users.createAccessKey(caller, request);
  }

  @UserRpc(Actions.users.delete)
  @MessagePattern(IamSubjects.deleteUser)
  deleteUser(@Payload() request: IdRequest, @CurrentCaller() caller: Caller) {
    return this.users.deleteUser(caller, request.id);
  }

  @UserRpc(Actions.accessKeys.modify)
  @MessagePattern(IamSubjects.disableAccessKey)
  disableAccessKey(@Payload() request: AccessKeyRequest, @CurrentCaller() caller: Caller) {
    return this.users.setAccessKeyEnabled(caller, request.accessKey, false);
  }

  @UserRpc(Actions.accessKeys.modify)
  @MessagePattern(IamSubjects.enableAccessKey)
  enableAccessKey(@Payload() request: AccessKeyRequest, @CurrentCaller() caller: Caller) {
    return this.users.setAccessKeyEnabled(caller, request.accessKey, true);
  }

  @UserRpc(Actions.accessKeys.delete)
  @MessagePattern(IamSubjects.deleteAccessKey)
  deleteAccessKey(@Payload() request: AccessKeyRequest, @CurrentCaller() caller: Caller) {
    return this.users.deleteAccessKey(caller, request.accessKey);
  }

  @UserRpc(Actions.tokens.delete)
  @MessagePattern(IamSubjects.revokeTokens)
  revokeTokens(@Payload() request: UserIdRequest, @CurrentCaller() caller: Caller) {
    return this.users.revokeTokens(caller, request.userId);
  }
}
