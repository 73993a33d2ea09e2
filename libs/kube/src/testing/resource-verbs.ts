// list/get/create/update/patch/delete/deletecollection on a resource path, answered from
// FakeKubeApi with the status codes and bodies of the real server.
import { ServerResponse } from 'node:http';

import { ApiPath, ApiVerb } from './api-paths';
import { DeleteOptions, FakeKubeApi, ListOptions, WriteOptions } from './fake-kube-api';
import { isTrue, sendJson, sendStatus } from './http-io';
import { Status } from './kube-status';

export interface ResourceRequest {
  verb: Exclude<ApiVerb, 'watch'>;
  path: ApiPath;
  query: URLSearchParams;
  contentType: string;
  /** Parsed again on each call, so a reactor that edited the body it was shown changes nothing. */
  body: () => unknown;
}

export function serveResourceVerb(api: FakeKubeApi, res: ServerResponse, request: ResourceRequest): void {
  const { verb, query, contentType, body } = request;
  const { type, namespace, subresource } = request.path;
  const name = request.path.name as string;
  const dryRun = query.get('dryRun') === 'All';
  const writeOptions: WriteOptions = { dryRun, subresource: subresource === 'status' ? 'status' : undefined };
  switch (verb) {
    case 'list':
      return sendJson(res, 200, api.list(type, namespace, listOptions(query)));
    case 'get':
      return sendJson(res, 200, api.get(type, namespace, name));
    case 'create':
      return sendJson(res, 201, api.create(type, namespace, body(), { dryRun }));
    case 'update':
      return sendJson(res, 200, api.replace(type, namespace, name, body(), writeOptions));
    case 'patch':
      if (!contentType.includes('json')) return sendStatus(res, Status.unsupportedMediaType(contentType || '(none)'));
      return sendJson(res, 200, api.patch(type, namespace, name, contentType, body(), writeOptions));
    case 'delete': {
      const options = (body() ?? {}) as DeleteOptions & { dryRun?: unknown };
      const deleted = api.delete(type, namespace, name, {
        propagationPolicy: query.get('propagationPolicy') ?? options.propagationPolicy,
        orphanDependents: query.has('orphanDependents') ? isTrue(query.get('orphanDependents')) : options.orphanDependents,
        preconditions: options.preconditions,
        dryRun: dryRun || (Array.isArray(options.dryRun) && options.dryRun.includes('All')),
      });
      // Like the real server: an object still there (finalizers, a terminating namespace) or a pod
      // comes back as the object; anything deleted at once as a Success Status.
      const remains = api.store.get(type.id, deleted.metadata.namespace, deleted.metadata.name) !== undefined;
      return sendJson(
        res,
        200,
        remains || type.deleteReturnsObject ? deleted : Status.deleted(type, deleted.metadata.name, deleted.metadata.uid),
      );
    }
    case 'deletecollection':
      return sendJson(
        res,
        200,
        api.deleteCollection(type, namespace, {
          ...listOptions(query),
          propagationPolicy: query.get('propagationPolicy') ?? undefined,
          dryRun,
        }),
      );
  }
}

function listOptions(query: URLSearchParams): ListOptions {
  const limit = query.get('limit');
  return {
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
    limit: limit ? Number(limit) : undefined,
    continue: query.get('continue') ?? undefined,
    resourceVersion: query.get('resourceVersion') ?? undefined,
    resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
  };
}
