import { ApiException } from '@kubernetes/client-node';

import { describeKubeError, KubeRequestError } from './kube-error';

const systemError = (code: string) =>
  Object.assign(new Error(`request to https://10.0.0.1/version failed, reason: ${code}`), { type: 'system', code, errno: code });

describe('describeKubeError', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls', 'TLS: certificate signed by unknown authority'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'tls', 'TLS: certificate signed by unknown authority'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', 'TLS: certificate signed by unknown authority'],
    ['CERT_HAS_EXPIRED', 'tls', 'TLS: the server certificate has expired'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', 'TLS: the server certificate is not valid for this host name'],
    ['ECONNREFUSED', 'network', 'connection refused'],
    ['ENOTFOUND', 'network', 'host not found'],
    ['ECONNRESET', 'network', 'connection reset by the server'],
    ['ERR_SSL_SOMETHING_NEW', 'tls', 'TLS: handshake failed (ERR_SSL_SOMETHING_NEW)'],
    ['EWHATEVER', 'unknown', 'request failed (EWHATEVER)'],
  ])('%s → %s "%s"', (code, kind, reason) => {
    expect(describeKubeError(systemError(code))).toEqual({ kind, reason });
  });

  it('HTTP errors give the status line, and the server message only on request', () => {
    const body = JSON.stringify({
      kind: 'Status',
      reason: 'Forbidden',
      message: 'namespaces is forbidden: User "x" cannot create',
      code: 403,
    });
    const err = new ApiException(403, 'Unknown API Status Code!', body, { 'content-type': 'application/json' });
    expect(describeKubeError(err)).toEqual({ kind: 'http', status: 403, statusReason: 'Forbidden', reason: '403 Forbidden' });
    expect(describeKubeError(err, { includeServerMessage: true }).reason).toBe(
      '403 Forbidden: namespaces is forbidden: User "x" cannot create',
    );
  });

  it('401 never carries a message, and a watch error (statusCode) counts as HTTP too', () => {
    expect(describeKubeError(new ApiException(401, 'Unauthorized', undefined, {}), { includeServerMessage: true }).reason).toBe(
      '401 Unauthorized',
    );
    expect(describeKubeError(Object.assign(new Error('Service Unavailable'), { statusCode: 503 }))).toMatchObject({
      kind: 'http',
      reason: '503 Service Unavailable',
    });
  });

  it('aborts are timeouts', () => {
    expect(
      describeKubeError(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' })),
    ).toEqual({ kind: 'timeout', reason: 'timed out' });
  });

  it('anything else is "request failed", never the original message', () => {
    const secret = 'Bearer abc.def.ghi';
    expect(describeKubeError(new Error(`exec plugin printed ${secret}`))).toEqual({ kind: 'unknown', reason: 'request failed' });
    expect(describeKubeError(undefined)).toEqual({ kind: 'unknown', reason: 'request failed' });
  });

  it('KubeRequestError names the action and keeps status details', () => {
    const body = JSON.stringify({ kind: 'Status', reason: 'AlreadyExists', message: 'namespaces "b" already exists', code: 409 });
    const err = new KubeRequestError('creating Namespace/b', new ApiException(409, 'x', body, {}));
    expect(err.message).toBe('creating Namespace/b failed: 409 Conflict: namespaces "b" already exists');
    expect(err).toMatchObject({ status: 409, statusReason: 'AlreadyExists', kind: 'http' });
  });
});
