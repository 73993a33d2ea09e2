import { PackagesResolver } from './artifacts/packages.resolver';
import { BuildRetentionResolver } from './builds/build-retention.resolver';
import { BuildSubscriptionsResolver } from './builds/build-subscriptions.resolver';
import { BuildsResolver } from './builds/builds.resolver';
import { ClustersResolver } from './clusters/clusters.resolver';
import { IdentityResolver } from './iam/identity.resolver';
import { PoliciesResolver } from './iam/policies.resolver';
import { ProjectsResolver } from './iam/projects.resolver';
import { PackageJobsResolver } from './jobs/package-jobs.resolver';
import { RegistryResolver } from './registry/registry.resolver';
import { WebhooksResolver } from './webhooks/webhooks.resolver';

/** Every resolver the gateway mounts; the schema is generated from these. */
export const GATEWAY_RESOLVERS = [
  IdentityResolver,
  ProjectsResolver,
  PoliciesResolver,
  PackagesResolver,
  ClustersResolver,
  PackageJobsResolver,
  BuildsResolver,
  BuildRetentionResolver,
  BuildSubscriptionsResolver,
  RegistryResolver,
  WebhooksResolver,
];
