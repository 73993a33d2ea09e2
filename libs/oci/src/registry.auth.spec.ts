import { RegistryAuth } from './registry.auth';
import { RegistryError } from './registry.error';

const CHALLENGE = 'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:app:pull"';

function tokenServer(answer: (url: URL, headers: Headers) => Response) {
  const calls: { url: URL; authorization: string | null }[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    calls.push({ url, authorization: headers.get('authorization') });
    return answer(url, headers);
  }) as typeof fetch;
  return { calls, fetchFn };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('RegistryAuth', () => {
  it('fetches a Bearer token with Basic credentials, for the challenge scope and ours, and caches it per scope', async () => {
    let clock = 1_000_000;
    const server = tokenServer(() => json({ token: `t${server.calls.length}`, expires_in: 300 }));
    const auth = new RegistryAuth({
      registry: 'registry.example.com',
      credentials: { username: 'ci', password: 's3cret' },
      allowHttpRealm: false,
      fetch: server.fetchFn,
      now: () => clock,
    });
    const pull = ['repository:app:pull'];
    expect(auth.authorizationFor(pull)).toBeUndefined();
    expect(await auth.answer(CHALLENGE, pull)).toBe('Bearer t1');
    const call = server.calls[0];
    expect(`${call.url.origin}${call.url.pathname}`).toBe('https://auth.example.com/token');
    expect(call.url.searchParams.get('service')).toBe('registry.example.com');
    expect(call.url.searchParams.getAll('scope')).toEqual(['repository:app:pull']);
    expect(call.authorization).toBe(`Basic ${Buffer.from('ci:s3cret').toString('base64')}`);

    expect(auth.authorizationFor(pull)).toBe('Bearer t1');
    expect(auth.authorizationFor(['repository:app:pull,push'])).toBeUndefined();
    expect(await auth.answer(CHALLENGE, ['repository:app:pull,push'])).toBe('Bearer t2');
    expect(server.calls[1].url.searchParams.getAll('scope')).toEqual(['repository:app:pull', 'repository:app:pull,push']);
    expect(auth.authorizationFor(pull)).toBe('Bearer t1');

    clock += 300_000; // expired (less a safety margin)
    expect(auth.authorizationFor(pull)).toBeUndefined();
  });

  it('shares one token request between concurrent 401s of the same scope', async () => {
    const server = tokenServer(() => json({ access_token: 'shared' }));
    const auth = new RegistryAuth({ registry: 'r', allowHttpRealm: false, fetch: server.fetchFn });
    const answers = await Promise.all([auth.answer(CHALLENGE, ['s']), auth.answer(CHALLENGE, ['s'])]);
    expect(answers).toEqual(['Bearer shared', 'Bearer shared']);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0].authorization).toBeNull(); // anonymous without credentials
  });

  it('answers Basic with the credentials, and afterwards sends them up front', async () => {
    const auth = new RegistryAuth({
      registry: 'r',
      credentials: { username: 'u', password: 'p' },
      allowHttpRealm: true,
      fetch: fetch,
    });
    expect(await auth.answer('Basic realm="Registry Realm"', [])).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(auth.authorizationFor(['any'])).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it.each([
    ['Basic without credentials', 'Basic realm="x"', undefined, /requires credentials \(Basic\)/],
    ['an unknown scheme', 'Negotiate', undefined, /unsupported authentication challenge \(negotiate\)/],
    ['no challenge', null, undefined, /unsupported authentication challenge \(none\)/],
    [
      'credentials to a plain-http realm',
      'Bearer realm="http://auth.example.com/token"',
      { username: 'u', password: 'p' },
      /plain-http token realm/,
    ],
  ])('refuses %s with UNAUTHORIZED', async (_, header, credentials, message) => {
    const auth = new RegistryAuth({ registry: 'r', credentials, allowHttpRealm: false, fetch: fetch });
    const error = await auth.answer(header, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect((error as Error).message).toMatch(message);
  });

  it('turns a refused token request into a RegistryError without the credentials', async () => {
    const server = tokenServer(() => json({ details: 'incorrect username or password' }, 401));
    const auth = new RegistryAuth({
      registry: 'r',
      credentials: { username: 'u', password: 'hunter2' },
      allowHttpRealm: false,
      fetch: server.fetchFn,
    });
    const error = (await auth.answer(CHALLENGE, []).catch((e: unknown) => e)) as RegistryError;
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(error.message).toBe('registry r: token endpoint auth.example.com/token answered 401');
  });

  it('refuses a token answer without a token', async () => {
    const server = tokenServer(() => json({}));
    const auth = new RegistryAuth({ registry: 'r', allowHttpRealm: false, fetch: server.fetchFn });
    await expect(auth.answer(CHALLENGE, [])).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });
});
