import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actions } from '@stagecraft/authz';
import { type ClusterDto, ClustersSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { RequirePermission } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { pageComplexity, toConnection } from '../graphql/connection';
import { RequestLoaders } from '../graphql/context.decorator';
import type { Loaders } from '../graphql/loaders';
import { ServiceCall } from '../graphql/service-call.decorator';
import { EnterpriseProject } from '../iam/iam.types';
import { Cluster, ClusterConnection, ClusterType, LabelInput, NodeSelection } from './clusters.types';

@Resolver(() => Cluster)
export class ClustersResolver {
  constructor(private readonly client: NatsRpcClient) {}

  @RequirePermission(Actions.cluster.get)
  @Query(() => Cluster, { nullable: true })
  cluster(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return this.client.send(ClustersSubjects.getCluster, { id }, meta);
  }

  @RequirePermission(Actions.cluster.list)
  @Query(() => ClusterConnection, { complexity: pageComplexity })
  async clusters(
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('enterpriseProjectId', { type: () => ID, nullable: true }) enterpriseProjectId: string | null,
    @Meta() meta: RequestContext,
  ) {
    return toConnection(await this.client.send(ClustersSubjects.listClusters, { first, after, enterpriseProjectId }, meta));
  }

  @RequirePermission(Actions.cluster.get)
  @Query(() => NodeSelection, { description: 'The nodes of a cluster a build pinned to these labels could run on.' })
  buildNodes(
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('labels', { type: () => [LabelInput], defaultValue: [] }) labels: LabelInput[],
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(
      ClustersSubjects.selectNodes,
      { clusterId, labels: labels.map((l) => ({ key: l.key, value: l.value })) },
      meta,
    );
  }

  @RequirePermission(Actions.cluster.create)
  @Mutation(() => Cluster, {
    description: 'Kubernetes types need a kubeconfig (stored encrypted, never returned); LOCAL takes none.',
  })
  registerCluster(
    @Args('name') name: string,
    @Args('type', { type: () => ClusterType }) type: ClusterType,
    @Args('kubeconfig', { type: () => String, nullable: true }) kubeconfig: string | null,
    @Args('enterpriseProjectId', { type: () => ID, nullable: true }) enterpriseProjectId: string | null,
    @Meta() meta: RequestContext,
  ) {
    return this.client.send(ClustersSubjects.registerCluster, { name, type, kubeconfig, enterpriseProjectId }, meta);
  }

  @RequirePermission(Actions.cluster.modify)
  @Mutation(() => Cluster, { description: 'Checks the connection again and re-lists the nodes.' })
  refreshCluster(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return this.client.send(ClustersSubjects.refreshCluster, { id }, meta);
  }

  @RequirePermission(Actions.cluster.delete)
  @Mutation(() => ID)
  async deleteCluster(@Args('id', { type: () => ID }) id: string, @Meta() meta: RequestContext) {
    return (await this.client.send(ClustersSubjects.deleteCluster, { id }, meta)).id;
  }

  @ServiceCall()
  @ResolveField(() => EnterpriseProject)
  enterpriseProject(@Parent() cluster: ClusterDto, @RequestLoaders() loaders: Loaders) {
    return loaders.projects.load(cluster.enterpriseProjectId);
  }
}
