import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, type Caller, CurrentCaller } from '@stagecraft/authz';
import { IamSubjects, ListAuditRecordsRequest } from '@stagecraft/contracts';
import { UserRpc } from '@stagecraft/messaging';

import { AuditService } from './audit.service';

@Controller()
export class AuditNatsController {
  constructor(private readonly audit: AuditService) {}

  @UserRpc(Actions.auditRecords.list)
  @MessagePattern(IamSubjects.listAuditRecords)
  list(@Payload() request: ListAuditRecordsRequest, @CurrentCaller() caller: Caller) {
    return this.audit.list(caller, request);
  }
}
