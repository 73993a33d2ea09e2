import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  AttachPolicyRequest,
  CreatePolicyRequest,
  EmptyRequest,
  IamSubjects,
  IdRequest,
  ListAttachmentsRequest,
  UpdatePolicyRequest,
} from '@stagecraft/contracts';
import { UserRpc } from '@stagecraft/messaging';

import { PoliciesService } from './policies.service';

@Controller()
export class PoliciesNatsController {
  constructor(private readonly policies: PoliciesService) {}

  @UserRpc(Actions.policies.list)
  @MessagePattern(IamSubjects.listPolicies)
  list(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.policies.list(caller);
  }

  @UserRpc(Actions.policies.create)
  @MessagePattern(IamSubjects.createPolicy)
  create(@Payload() request: CreatePolicyRequest, @CurrentCaller() caller: Caller) {
    return this.policies.create(caller, request);
  }

  @UserRpc(Actions.policies.modify)
  @MessagePattern(IamSubjects.updatePolicy)
  update(@Payload() request: UpdatePolicyRequest, @CurrentCaller() caller: Caller) {
    return this.policies.update(caller, request);
  }

  @UserRpc(Actions.policies.delete)
  @MessagePattern(IamSubjects.deletePolicy)
  delete(@Payload() request: IdRequest, @CurrentCaller() caller: Caller) {
    return this.policies.delete(caller, request.id);
  }

  @UserRpc(Actions.attachments.list)
  @MessagePattern(IamSubjects.listAttachments)
  listAttachments(@Payload() request: ListAttachmentsRequest, @CurrentCaller() caller: Caller) {
    return this.policies.listAttachments(caller, request.userId);
  }

  @UserRpc(Actions.attachments.create)
  @MessagePattern(IamSubjects.attachPolicy)
  attach(@Payload() request: AttachPolicyRequest, @CurrentCaller() caller: Caller) {
    return this.policies.attach(caller, request);
  }

  @UserRpc(Actions.attachments.delete)
  @MessagePattern(IamSubjects.detachPolicy)
  detach(@Payload() request: IdRequest, @CurrentCaller() caller: Caller) {
    return this.policies.detach(caller, request.id);
  }
}
