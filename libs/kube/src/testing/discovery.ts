// GET /version and the discovery documents (/api, /api/v1, /apis, /apis/{group}[/{version}]) that
// clients read to learn which resources the fake serves.
import { FakeKubeApi } from './fake-kube-api';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export const DEFAULT_VERSION: VersionInfo = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0',
  gitCommit: '9edcffcde5595e8a5b1a35f88c421764e575afce',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T07:28:49Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The discovery document at the path, or undefined when the path is not a discovery path. */
export function discoveryDocument(api: FakeKubeApi, serverUrl: string, segments: string[]): unknown {
  const groups = apiGroups(api);
  if (segments.length === 1 && segments[0] === 'api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: serverUrl.replace(/^https:\/\//, '') }],
    };
  }
  if (segments.length === 2 && segments[0] === 'api') return resourceList(api, '', segments[1]);
  if (segments.length === 1 && segments[0] === 'apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  if (segments.length === 2 && segments[0] === 'apis') {
    const group = groups.find((g) => g.name === segments[1]);
    return group && { kind: 'APIGroup', apiVersion: 'v1', ...group };
  }
  if (segments.length === 3 && segments[0] === 'apis') return resourceList(api, segments[1], segments[2]);
  return undefined;
}

function apiGroups(api: FakeKubeApi) {
  const groupVersions = new Set(
    api
      .resourceTypes()
      .filter((t) => t.group)
      .map((t) => `${t.group}/${t.version}`),
  );
  return [...groupVersions].map((gv) => {
    const [name, version] = gv.split('/');
    return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
  });
}

function resourceList(api: FakeKubeApi, group: string, version: string) {
  const selected = api.resourceTypes().filter((t) => t.group === group && t.version === version);
  if (selected.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: selected.flatMap((t) => [
      {
        name: t.resource,
        singularName: t.kind.toLowerCase(),
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ALL_VERBS,
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      },
      ...(t.statusSubresource
        ? [
            {
              name: `${t.resource}/status`,
              singularName: '',
              namespaced: t.namespaced,
              kind: t.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
      ...(t.id === '/v1/pods' ? [{ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }] : []),
    ]),
  };
}
