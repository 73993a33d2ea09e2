// deploy/kubernetes/stagecraft-access.yaml is what an administrator applies on a cluster: every
// object must be valid for the real API. That the rules are enough for what Stagecraft does is
// checked against recorded API calls in gateway/test/kubernetes-builds.e2e-spec.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadAllYaml } from '@kubernetes/client-node';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Namespace, ServiceAccount } from 'kubernetes-models/v1';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ServiceAccount,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
};

describe('deploy/kubernetes/stagecraft-access.yaml', () => {
  const objects = loadAllYaml(readFileSync(join(__dirname, '..', 'kubernetes', 'stagecraft-access.yaml'), 'utf8')) as {
    kind: string;
    metadata: { name: string };
    rules?: { verbs: string[]; resources: string[] }[];
  }[];

  it('holds only objects the real API accepts', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'Namespace', 'Namespace', 'Role', 'RoleBinding', 'ServiceAccount'].sort(),
    );
    for (const object of objects) expect(() => new MODELS[object.kind](object as never).validate()).not.toThrow();
  });

  it('grants no wildcard, no escalation and no access to anything outside the build namespace but nodes', () => {
    for (const object of objects.filter((o) => o.rules)) {
      for (const rule of object.rules!) {
        expect(rule.verbs).not.toContain('*');
        expect(rule.resources).not.toContain('*');
        expect(rule.verbs).not.toEqual(expect.arrayContaining(['escalate']));
        expect(rule.verbs).not.toEqual(expect.arrayContaining(['bind']));
        expect(rule.verbs).not.toEqual(expect.arrayContaining(['impersonate']));
      }
    }
    const clusterRole = objects.find((o) => o.kind === 'ClusterRole')!;
    expect(clusterRole.rules!.flatMap((r) => r.resources).sort()).toEqual(['namespaces', 'namespaces', 'nodes']);
  });
});
