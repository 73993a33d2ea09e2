import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, type Caller, CurrentCaller } from '@stagecraft/authz';
import { EmptyRequest, ExplainPermissionRequest, IamSubjects } from '@stagecraft/contracts';
import { ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { AuthorizationService } from './authorization.service';

@Controller()
export class AuthorizationNatsController {
  constructor(private readonly authorization: AuthorizationService) {}

  /** A caller's own rules: other services build the caller's ability from them. */
  @ServiceRpc('gateway', 'jobs', 'artifacts', 'clusters', 'builds')
  @MessagePattern(IamSubjects.getCallerRules)
  callerRules(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.authorization.rulesFor({ userId: caller.userId, accountId: caller.accountId });
  }

  @UserRpc(Actions.permissions.explain)
  @MessagePattern(IamSubjects.explainPermission)
  explain(@Payload() request: ExplainPermissionRequest, @CurrentCaller() caller: Caller) {
    return this.authorization.explain(caller, request);
  }
}
