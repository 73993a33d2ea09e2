// metav1.Status bodies, worded like the real API server's so code under test can match on them.

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message: string; field?: string }[];
  };
  code: number;
}

export interface QualifiedResource {
  group: string;
  resource: string;
}

function qualified(r: QualifiedResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

function details(r: QualifiedResource, name?: string): KubeStatus['details'] {
  return { ...(name !== undefined ? { name } : {}), ...(r.group ? { group: r.group } : {}), kind: r.resource };
}

export function failure(code: number, reason: string, message: string, extra?: KubeStatus['details']): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(extra ? { details: extra } : {}),
    code,
  };
}

export const Status = {
  deleted: (r: QualifiedResource, name: string, uid?: string): KubeStatus =>
    ({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { ...details(r, name), ...(uid ? { uid } : {}) },
    }) as KubeStatus,
  notFound: (r: QualifiedResource, name: string) =>
    failure(404, 'NotFound', `${qualified(r)} "${name}" not found`, details(r, name)),
  alreadyExists: (r: QualifiedResource, name: string) =>
    failure(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, details(r, name)),
  conflict: (
    r: QualifiedResource,
    name: string,
    why = 'the object has been modified; please apply your changes to the latest version and try again',
  ) => failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, details(r, name)),
  invalid: (kind: string, name: string, field: string, why: string, group = '') =>
    failure(422, 'Invalid', `${kind} "${name}" is invalid: ${field}: ${why}`, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: [{ reason: 'FieldValueInvalid', message: why, field }],
    }),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  forbidden: (r: QualifiedResource, name: string, why: string) =>
    failure(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${why}`, details(r, name)),
  gone: (message: string) => failure(410, 'Expired', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  unavailable: () => failure(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'),
  methodNotAllowed: () => failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
  unsupportedMediaType: (type: string) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`,
    ),
  pathNotFound: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
  tooLarge: () => failure(413, 'RequestEntityTooLarge', 'the request body is too large'),
};

/** Thrown by the fake's programmatic API with the Status the HTTP API would have answered. */
export class FakeKubeError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
    this.name = 'FakeKubeError';
  }
}
