import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type Caller, CurrentCaller } from '@stagecraft/authz';
import { CreateAccessKeyRequest, CreateUserRequest, EmptyRequest, IamSubjects, UserIdsRequest } from '@stagecraft/contracts';

import { UsersService } from './users.service';

@Controller()
export class UsersNatsController {
  constructor(private readonly users: UsersService) {}

  @MessagePattern(IamSubjects.me)
  me(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.users.me(caller);
  }

  @MessagePattern(IamSubjects.createUser)
  createUser(@Payload() request: CreateUserRequest, @CurrentCaller() caller: Caller) {
    return this.users.createUser(caller, request);
  }

  @MessagePattern(IamSubjects.getUsers)
  getUsers(@Payload() request: UserIdsRequest, @CurrentCaller() caller: Caller) {
    return this.users.getUsers(caller, request.ids);
  }

  @MessagePattern(IamSubjects.createAccessKey)
  createAccessKey(@Payload() request: CreateAccessKeyRequest, @CurrentCaller() caller: Caller) {
    return this.users.createAccessKey(caller, request);
  }
}
