import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type Caller, CurrentCaller } from '@stagecraft/authz';
import { EmptyRequest, ExplainPermissionRequest, IamSubjects } from '@stagecraft/contracts';

import { AuthorizationService } from './authorization.service';

@Controller()
export class AuthorizationNatsController {
  constructor(private readonly authorization: AuthorizationService) {}

  /** A caller's own rules: other services build the caller's ability from them. */
  @MessagePattern(IamSubjects.getCallerRules)
  callerRules(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.authorization.rulesFor({ userId: caller.userId, accountId: caller.accountId });
  }

  @MessagePattern(IamSubjects.explainPermission)
  explain(@Payload() request: ExplainPermissionRequest, @CurrentCaller() caller: Caller) {
    return this.authorization.explain(caller, request);
  }
}
