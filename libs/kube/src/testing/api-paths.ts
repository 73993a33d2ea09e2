// Which resource, object and subresource a URL names, and which verb a method means on it:
// /api/v1/namespaces/{ns}/pods/{name}/log, /apis/batch/v1/jobs, /api/v1/nodes/{name}/status…
import { FakeKubeApi } from './fake-kube-api';
import { isTrue } from './http-io';
import { FakeRequestInfo } from './reactors';
import { ResourceType } from './resource-types';

export interface ApiPath {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type ApiVerb = FakeRequestInfo['verb'];

export function parseApiPath(api: FakeKubeApi, segments: string[]): ApiPath | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) [group, version, rest] = ['', segments[1], segments.slice(2)];
  else if (segments[0] === 'apis' && segments.length >= 4) [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
  else return undefined;

  // /namespaces/{ns}/{resource}/... unless {resource} is a subresource of the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    const type = api.findType(group, version, rest[2]);
    if (!type?.namespaced || rest.length > 5) return undefined;
    return withKnownSubresource({ type, namespace: rest[1], name: rest[3], subresource: rest[4] });
  }
  const type =
    group === '' && rest[0] === 'namespaces' ? api.findType('', 'v1', 'namespaces') : api.findType(group, version, rest[0]);
  if (!type || rest.length > 3 || (type.namespaced && rest.length > 1)) return undefined;
  return withKnownSubresource({ type, name: rest[1], subresource: rest[2] });
}

function withKnownSubresource(path: ApiPath): ApiPath | undefined {
  if (path.subresource === undefined) return path;
  if (path.subresource === 'status' && path.type.statusSubresource) return path;
  if (path.subresource === 'log' && path.type.id === '/v1/pods') return path;
  return undefined;
}

export function verbOf(method: string, path: ApiPath, query: URLSearchParams): ApiVerb | undefined {
  if (path.subresource === 'log') return method === 'GET' ? 'get' : undefined;
  if (path.subresource) {
    return ({ GET: 'get', PUT: 'update', PATCH: 'patch' } as const)[method as 'GET' | 'PUT' | 'PATCH'];
  }
  if (path.name === undefined) {
    if (method === 'GET') return isTrue(query.get('watch')) ? 'watch' : 'list';
    if (method === 'POST' && (path.namespace !== undefined || !path.type.namespaced)) return 'create';
    if (method === 'DELETE') return 'deletecollection';
    return undefined;
  }
  return ({ GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const)[method as 'GET' | 'PUT' | 'PATCH' | 'DELETE'];
}
