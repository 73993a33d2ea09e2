import { formatImageReference, imageReferenceProblem, manifestReferenceOf, parseImageReference } from './image-reference';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
    ['eclipse-temurin:17-jre', { registry: 'docker.io', repository: 'library/eclipse-temurin', tag: '17-jre' }],
    ['user/app', { registry: 'docker.io', repository: 'user/app' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['index.docker.io/user/app:v1', { registry: 'docker.io', repository: 'user/app', tag: 'v1' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b/c:t', { registry: 'localhost:5000', repository: 'a/b/c', tag: 't' }],
    [
      '127.0.0.1:5000/jobs/my_job__x-y.z:build-1',
      { registry: '127.0.0.1:5000', repository: 'jobs/my_job__x-y.z', tag: 'build-1' },
    ],
    ['registry.example.com/team/app@' + DIGEST, { registry: 'registry.example.com', repository: 'team/app', digest: DIGEST }],
    ['ghcr.io/o/app:1.0@' + DIGEST, { registry: 'ghcr.io', repository: 'o/app', tag: '1.0', digest: DIGEST }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
    ['Registry.Example.com/app', { registry: 'Registry.Example.com', repository: 'app' }],
    ['app:' + 'a'.repeat(128), { registry: 'docker.io', repository: 'library/app', tag: 'a'.repeat(128) }],
  ])('%s', (value, expected) => expect(parseImageReference(value)).toEqual(expected));

  it.each([
    ['', /must not be empty/],
    [' nginx', /white space/],
    ['Nginx', /path component "Nginx" is invalid: each repository path component is lower-case/],
    ['user/App', /path component "App"/],
    ['a//b', /an empty path component/],
    ['app-/x', /path component "app-"/],
    ['_app', /path component "_app"/],
    ['app:.tag', /the tag ".tag" is invalid: a tag is 1 to 128 characters/],
    ['app:' + 'a'.repeat(129), /the tag "a+" is invalid/],
    ['app:t@sha256:abc', /the digest "sha256:abc" is invalid: a digest is "sha256:" followed by 64/],
    ['app@md5:' + 'a'.repeat(32), /the digest/],
    ['bad_host.com/app', /the registry host "bad_host.com" is invalid/],
    ['-host.com/app', /registry host/],
    ['registry.example.com/', /the repository is missing/],
    ['a'.repeat(256), /at most 255 characters/],
  ])('refuses %j naming the rule', (value, problem) => {
    expect(imageReferenceProblem(value)).toMatch(problem);
    expect(() => parseImageReference(value)).toThrow(problem);
  });

  it('returns null for a valid reference', () => expect(imageReferenceProblem('php:8.3-apache')).toBeNull());

  it('formats and picks the manifest reference', () => {
    const ref = parseImageReference('localhost:5000/a/b:1');
    expect(formatImageReference(ref)).toBe('localhost:5000/a/b:1');
    expect(manifestReferenceOf(ref)).toBe('1');
    expect(manifestReferenceOf(parseImageReference('a'))).toBe('latest');
    expect(manifestReferenceOf(parseImageReference(`a:1@${DIGEST}`))).toBe(DIGEST);
  });
});
