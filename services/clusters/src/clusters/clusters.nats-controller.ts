import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  ClusterIdRequest,
  ClustersSubjects,
  ListClustersRequest,
  RegisterClusterRequest,
  SelectNodesRequest,
} from '@stagecraft/contracts';

import { ClustersService } from './clusters.service';

@Controller()
export class ClustersNatsController {
  constructor(private readonly clusters: ClustersService) {}

  @MessagePattern(ClustersSubjects.registerCluster)
  register(@Payload() request: RegisterClusterRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.register(caller, request);
  }

  @MessagePattern(ClustersSubjects.refreshCluster)
  refresh(@Payload() request: ClusterIdRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.refresh(caller, request.id);
  }

  @MessagePattern(ClustersSubjects.deleteCluster)
  delete(@Payload() request: ClusterIdRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.delete(caller, request.id);
  }

  @MessagePattern(ClustersSubjects.getCluster)
  get(@Payload() request: ClusterIdRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.get(caller, request.id);
  }

  @MessagePattern(ClustersSubjects.listClusters)
  list(@Payload() request: ListClustersRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.list(caller, request);
  }

  @MessagePattern(ClustersSubjects.getConnection)
  connection(@Payload() request: ClusterIdRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.connection(caller, request.id);
  }

  @MessagePattern(ClustersSubjects.selectNodes)
  selectNodes(@Payload() request: SelectNodesRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.selectNodes(caller, request.clusterId, request.labels);
  }
}
