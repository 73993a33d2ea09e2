import { parseRegistryAuthFile, RegistryAuthFileError } from './registry-auth-file';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('parseRegistryAuthFile', () => {
  it('reads `auth` (base64 of user:password, the password may hold colons) and username/password', () => {
    const file = JSON.stringify({
      auths: {
        '127.0.0.1:5000': { auth: b64('builder:pa:ss') },
        'registry.example.com': { username: 'robot', password: 's3cret' },
      },
    });
    expect(parseRegistryAuthFile(file)).toEqual({
      '127.0.0.1:5000': { username: 'builder', password: 'pa:ss' },
      'registry.example.com': { username: 'robot', password: 's3cret' },
    });
  });

  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['https://swr.example.com:8443/v2/', 'swr.example.com:8443'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
  ])('keys the entry %s under the host %s', (key, host) => {
    expect(Object.keys(parseRegistryAuthFile(JSON.stringify({ auths: { [key]: { auth: b64('u:p') } } })))).toEqual([host]);
  });

  it('reads a file without auths (credential helpers only) as no credentials', () => {
    expect(parseRegistryAuthFile('{"credsStore":"desktop"}')).toEqual({});
  });

  it.each([
    ['{"auths":{"h": {"auth":"', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['{"auths":[]}', '"auths"'],
    ['{"auths":{"h":"x"}}', 'auths["h"] is not an object'],
    [`{"auths":{"h":{"auth":"${b64('no-colon-secret')}"}}}`, 'auths["h"].auth'],
    ['{"auths":{"h":{"identitytoken":"tok-secret"}}}', 'auths["h"] has neither'],
  ])('refuses %s, naming the entry but not its content', (text, says) => {
    const parse = () => parseRegistryAuthFile(text);
    expect(parse).toThrow(RegistryAuthFileError);
    expect(parse).toThrow(says);
    expect(parse).not.toThrow(/secret|no-colon/);
  });
});
