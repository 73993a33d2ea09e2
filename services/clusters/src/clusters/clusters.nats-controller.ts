import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Actions, type Caller, CurrentCaller } from '@stagecraft/authz';
import {
  ClusterIdRequest,
  ClustersSubjects,
  ListClustersRequest,
  RegisterClusterRequest,
  SelectNodesRequest,
} from '@stagecraft/contracts';
import { ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { ClustersService } from './clusters.service';

@Controller()
export class ClustersNatsController {
  constructor(private readonly clusters: ClustersService) {}

  @UserRpc(Actions.cluster.create)
  @MessagePattern(ClustersSubjects.registerCluster)
  register(@Payload() request: RegisterClusterRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.register(caller, request);
  }

  @UserRpc(Actions.cluster.modify)
  @MessagePattern(ClustersSubjects.refreshCluster)
  refresh(@Payload() request: ClusterIdRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.refresh(caller, request.id);
  }

  @UserRpc(Actions.cluster.delete)
  @MessagePattern(ClustersSubjects.deleteCluster)
  delete(@Payload() request: ClusterIdRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.delete(caller, request.id);
  }

  @UserRpc(Actions.cluster.get)
  @MessagePattern(ClustersSubjects.getCluster)
  get(@Payload() request: ClusterIdRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.get(caller, request.id);
  }

  @UserRpc(Actions.cluster.list, { emptyListWhenNowhere: true })
  @MessagePattern(ClustersSubjects.listClusters)
  list(@Payload() request: ListClustersRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.list(caller, request);
  }

  @ServiceRpc('builds')
  @MessagePattern(ClustersSubjects.buildTarget)
  buildTarget(@Payload() request: SelectNodesRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.buildTarget(caller, request.clusterId, request.labels);
  }

  @UserRpc(Actions.cluster.get)
  @MessagePattern(ClustersSubjects.selectNodes)
  selectNodes(@Payload() request: SelectNodesRequest, @CurrentCaller() caller: Caller) {
    return this.clusters.selectNodes(caller, request.clusterId, request.labels);
  }
}
