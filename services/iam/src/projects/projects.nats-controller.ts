import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type Caller, CurrentCaller } from '@stagecraft/authz';
import { CreateEnterpriseProjectRequest, EmptyRequest, IamSubjects, ProjectIdsRequest } from '@stagecraft/contracts';

import { ProjectsService } from './projects.service';

@Controller()
export class ProjectsNatsController {
  constructor(private readonly projects: ProjectsService) {}

  @MessagePattern(IamSubjects.listEnterpriseProjects)
  list(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.projects.listVisible(caller);
  }

  @MessagePattern(IamSubjects.getEnterpriseProjects)
  getByIds(@Payload() request: ProjectIdsRequest, @CurrentCaller() caller: Caller) {
    return this.projects.getByIds(caller, request.ids);
  }

  @MessagePattern(IamSubjects.getDefaultProject)
  defaultProject(@Payload() _request: EmptyRequest, @CurrentCaller() caller: Caller) {
    return this.projects.defaultProject(caller);
  }

  @MessagePattern(IamSubjects.createEnterpriseProject)
  create(@Payload() request: CreateEnterpriseProjectRequest, @CurrentCaller() caller: Caller) {
    return this.projects.create(caller, request);
  }
}
