import { Readable } from 'node:stream';

import { sha256Digest } from './digest';
import { MediaTypes } from './media-types';
import { RegistryClient } from './registry.client';
import { RegistryError } from './registry.error';

interface Seen {
  method: string;
  url: string;
  authorization: string | null;
  contentRange: string | null;
  bytes: number;
}

/** A scripted registry: each request is answered by `route`, and recorded. */
function fakeRegistry(route: (method: string, url: URL, headers: Headers) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const body = init?.body as Buffer | ReadableStream<Uint8Array> | undefined;
    let bytes = 0;
    if (body instanceof ReadableStream)
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    else bytes = body?.length ?? 0;
    seen.push({
      method: init?.method ?? 'GET',
      url: url.href,
      authorization: headers.get('authorization'),
      contentRange: headers.get('content-range'),
      bytes,
    });
    return route(init?.method ?? 'GET', url, headers);
  }) as typeof fetch;
  return { seen, fetchFn };
}

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: sha256Digest('{}'), size: 2 },
    layers: [],
  }),
);

const errorBody = (status: number, code: string, message: string) =>
  new Response(JSON.stringify({ errors: [{ code, message }] }), { status, headers: { 'content-type': 'application/json' } });

describe('RegistryClient (scripted registry)', () => {
  it('meets a Bearer challenge, retries once, and reuses the token for the next request', async () => {
    const registry = fakeRegistry((method, url, headers) => {
      if (url.host === 'auth.example.com') return Response.json({ token: 'tok', expires_in: 600 });
      if (headers.get('authorization') !== 'Bearer tok') {
        return new Response(null, {
          status: 401,
          headers: {
            'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="reg",scope="repository:app:pull"',
          },
        });
      }
      return new Response(MANIFEST, { headers: { 'content-type': MediaTypes.ociManifest } });
    });
    const client = new RegistryClient({ registry: 'registry.example.com', fetch: registry.fetchFn });
    const first = await client.getManifest('app', '1.0');
    await client.getManifest('app', '1.1');
    expect(first).toMatchObject({ mediaType: MediaTypes.ociManifest, digest: sha256Digest(MANIFEST), size: MANIFEST.length });
    expect(registry.seen.map((s) => `${s.method} ${s.url} ${s.authorization ?? '-'}`)).toEqual([
      'GET https://registry.example.com/v2/app/manifests/1.0 -',
      'GET https://auth.example.com/token?service=reg&scope=repository%3Aapp%3Apull -',
      'GET https://registry.example.com/v2/app/manifests/1.0 Bearer tok',
      'GET https://registry.example.com/v2/app/manifests/1.1 Bearer tok',
    ]);
  });

  it('talks to registry-1.docker.io for docker.io, over https', async () => {
    const registry = fakeRegistry(() => new Response(null, { status: 404 }));
    await new RegistryClient({ registry: 'docker.io', fetch: registry.fetchFn }).headManifest('library/node', '20-slim');
    expect(registry.seen[0].url).toBe('https://registry-1.docker.io/v2/library/node/manifests/20-slim');
  });

  it('retries only once: a second 401 is an UNAUTHORIZED RegistryError without the password', async () => {
    const registry = fakeRegistry(() => new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }));
    const client = new RegistryClient({
      registry: 'localhost:5000',
      credentials: { username: 'u', password: 'pa55word' },
      fetch: registry.fetchFn,
    });
    const error = (await client.blobExists('app', sha256Digest('x')).catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(error.message).toBe(`registry localhost:5000: HEAD blob app@${sha256Digest('x')}: 401 UNAUTHORIZED`);
    expect(registry.seen.map((s) => s.url)).toEqual([expect.stringMatching(/^http:\/\/localhost:5000\//), expect.any(String)]);
  });

  it('turns distribution error bodies into codes, with no query string in the message', async () => {
    const registry = fakeRegistry(() => errorBody(404, 'MANIFEST_UNKNOWN', 'manifest unknown'));
    const client = new RegistryClient({ registry: 'r.example.com', fetch: registry.fetchFn });
    await expect(client.getManifest('team/app', 'missing')).rejects.toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      status: 404,
      message: 'registry r.example.com: GET manifest team/app:missing: 404 MANIFEST_UNKNOWN (manifest unknown)',
    });
  });

  it('reports an unreachable registry as UNREACHABLE', async () => {
    const client = new RegistryClient({
      registry: '127.0.0.1:1',
      fetch: (() => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))) as typeof fetch,
    });
    await expect(client.blobExists('a', sha256Digest(''))).rejects.toMatchObject({
      code: 'UNREACHABLE',
      status: null,
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('refuses manifest bytes that do not match the digest asked for', async () => {
    const registry = fakeRegistry(() => new Response(MANIFEST, { headers: { 'content-type': MediaTypes.ociManifest } }));
    const client = new RegistryClient({ registry: 'r.example.com', fetch: registry.fetchFn });
    await expect(client.getManifest('app', sha256Digest('other'))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('follows a blob redirect to storage without sending the registry credentials there, and verifies the bytes', async () => {
    const blob = Buffer.from('layer bytes');
    const registry = fakeRegistry((_, url, headers) => {
      if (url.host === 'storage.example.com') return new Response(url.pathname === '/good' ? blob : Buffer.from('tampered'));
      if (!headers.get('authorization'))
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
      const good = url.pathname.endsWith(sha256Digest(blob));
      return new Response(null, {
        status: 307,
        headers: { location: `https://storage.example.com/${good ? 'good' : 'bad'}?sig=1` },
      });
    });
    const client = new RegistryClient({
      registry: 'localhost:5000',
      credentials: { username: 'u', password: 'p' },
      fetch: registry.fetchFn,
    });
    const download = await client.getBlob('app', sha256Digest(blob));
    expect(Buffer.concat(await download.stream.toArray())).toEqual(blob);
    expect(registry.seen.map((s) => [new URL(s.url).host, s.authorization !== null])).toEqual([
      ['localhost:5000', false],
      ['localhost:5000', true],
      ['storage.example.com', false],
    ]);

    const tampered = await client.getBlob('app', sha256Digest('expected'));
    await expect(tampered.stream.toArray()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('resolves relative upload Locations and PATCHes chunks with Content-Range', async () => {
    let state = 0;
    const registry = fakeRegistry((method, url) => {
      if (method === 'POST')
        return new Response(null, { status: 202, headers: { location: '/v2/app/blobs/uploads/u1?_state=0' } });
      if (method === 'PATCH') {
        state++;
        return new Response(null, {
          status: 202,
          headers: { location: `/v2/app/blobs/uploads/u1?_state=${state}`, range: `0-${state * 4 - 1}` },
        });
      }
      if (method === 'PUT')
        return new Response(null, { status: 201, headers: { 'docker-content-digest': url.searchParams.get('digest')! } });
      return new Response(null, { status: 500 });
    });
    const client = new RegistryClient({ registry: 'localhost:5000', fetch: registry.fetchFn });
    const data = Buffer.from('0123456789ab'); // three chunks of 4
    const result = await client.uploadBlobStream('app', Readable.from([data.subarray(0, 5), data.subarray(5)]), {
      chunkSize: 4,
      mode: 'chunked',
    });
    expect(result).toEqual({ digest: sha256Digest(data), size: 12, chunks: 3 });
    expect(
      registry.seen.map((s) => `${s.method} ${s.url.replace('http://localhost:5000', '')} ${s.contentRange ?? ''} ${s.bytes}`),
    ).toEqual([
      'POST /v2/app/blobs/uploads/  0',
      'PATCH /v2/app/blobs/uploads/u1?_state=0 0-3 4',
      'PATCH /v2/app/blobs/uploads/u1?_state=1 4-7 4',
      'PATCH /v2/app/blobs/uploads/u1?_state=2 8-11 4',
      `PUT /v2/app/blobs/uploads/u1?_state=3&digest=${encodeURIComponent(sha256Digest(data))}  0`,
    ]);
  });

  it('streams a blob larger than a chunk in one PATCH, and sends a small one in the closing PUT', async () => {
    const registry = fakeRegistry((method, url) => {
      if (method === 'POST') return new Response(null, { status: 202, headers: { location: '/v2/app/blobs/uploads/u3' } });
      if (method === 'PATCH')
        return new Response(null, { status: 202, headers: { location: '/v2/app/blobs/uploads/u3?_state=s', range: '0-11' } });
      return new Response(null, { status: 201, headers: { 'docker-content-digest': url.searchParams.get('digest')! } });
    });
    const client = new RegistryClient({ registry: 'localhost:5000', fetch: registry.fetchFn, chunkSize: 4 });
    const data = Buffer.from('0123456789ab');
    expect(await client.uploadBlobStream('app', Readable.from([data.subarray(0, 3), data.subarray(3)]))).toEqual({
      digest: sha256Digest(data),
      size: 12,
      chunks: 1,
    });
    expect(await client.uploadBlobStream('app', Readable.from([Buffer.from('abc')]))).toEqual({
      digest: sha256Digest('abc'),
      size: 3,
      chunks: 0,
    });
    expect(
      registry.seen.map((s) => `${s.method} ${s.url.replace('http://localhost:5000', '')} ${s.contentRange ?? '-'} ${s.bytes}`),
    ).toEqual([
      'POST /v2/app/blobs/uploads/ - 0',
      'PATCH /v2/app/blobs/uploads/u3 - 12',
      `PUT /v2/app/blobs/uploads/u3?_state=s&digest=${encodeURIComponent(sha256Digest(data))} - 0`,
      'POST /v2/app/blobs/uploads/ - 0',
      `PUT /v2/app/blobs/uploads/u3?digest=${encodeURIComponent(sha256Digest('abc'))} - 3`,
    ]);
  });

  it('leaves the digest check to the registry when the digest is known, and cancels the session it refused', async () => {
    const registry = fakeRegistry((method) => {
      if (method === 'POST')
        return new Response(null, { status: 202, headers: { location: 'http://localhost:5000/v2/app/blobs/uploads/u2' } });
      if (method === 'PUT') return errorBody(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
      return new Response(null, { status: 204 });
    });
    const client = new RegistryClient({ registry: 'localhost:5000', fetch: registry.fetchFn });
    await expect(
      client.uploadBlobStream('app', Readable.from([Buffer.from('abc')]), { expectedDigest: sha256Digest('abd') }),
    ).rejects.toMatchObject({
      code: 'DIGEST_INVALID',
      status: 400,
    });
    expect(registry.seen.map((s) => s.method)).toEqual(['POST', 'PUT', 'DELETE']);
    expect(registry.seen[1].url).toContain(encodeURIComponent(sha256Digest('abd')));
  });
});
