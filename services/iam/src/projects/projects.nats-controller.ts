import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, type Caller, CurrentCaller } from '@stagecraft/authz';
import { CreateEnterpriseProjectRequest, EmptyRequest, IamSubjects, ProjectIdsRequest } from '@stagecraft/contracts';
import { ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { ProjectsService } from './projects.service';

@Controller()
export class ProjectsNatsController {
  constructor(private readonly projects: ProjectsService) {}

  @ServiceRpc('gateway')
  @MessagePattern(IamSubjects.listEnterpriseProjects)
  list(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.projects.listVisible(caller);
  }

  @ServiceRpc('gateway', 'jobs', 'artifacts', 'clusters', 'builds')
  @MessagePattern(IamSubjects.getEnterpriseProjects)
  getByIds(@Payload() request: ProjectIdsRequest, @CurrentCaller() caller: Caller) {
    return this.projects.getByIds(caller, request.ids);
  }

  @ServiceRpc('gateway', 'jobs', 'artifacts', 'clusters', 'builds')
  @MessagePattern(IamSubjects.getDefaultProject)
  defaultProject(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.projects.defaultProject(caller);
  }

  @UserRpc(Actions.projects.create)
  @MessagePattern(IamSubjects.createEnterpriseProject)
  create(@Payload() request: CreateEnterpriseProjectRequest, @CurrentCaller() caller: Caller) {
    return this.projects.create(caller, request);
  }
}
