import { parseImageReference } from './image-reference';

describe('parseImageReference', () => {
  it.each([
    ['nginx', { registry: null, repository: 'nginx', tag: null, digest: null }],
    ['library/nginx:1.27', { registry: null, repository: 'library/nginx', tag: '1.27', digest: null }],
    ['127.0.0.1:5000/team/app:v1.2.3', { registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1.2.3', digest: null }],
    [
      'swr.cn-north-4.myhuaweicloud.com/org/app',
      { registry: 'swr.cn-north-4.myhuaweicloud.com', repository: 'org/app', tag: null, digest: null },
    ],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: null, digest: null }],
    [`app@sha256:${'a'.repeat(64)}`, { registry: null, repository: 'app', tag: null, digest: `sha256:${'a'.repeat(64)}` }],
    ['my_app__x/a-b.c:latest', { registry: null, repository: 'my_app__x/a-b.c', tag: 'latest', digest: null }],
  ])('%s', (value, reference) => expect(parseImageReference(value)).toEqual({ reference, problem: null }));

  it.each([
    ['', 'must be 1 to 255 characters'],
    ['App', 'the repository must be lower-case'],
    ['app:', 'a tag must be'],
    ['app:.hidden', 'a tag must be'],
    ['app@sha256:abc', 'a digest must be'],
    ['team//app', 'the repository must be lower-case'],
    ['-app', 'the repository must be lower-case'],
    ['reg.io:x/app', 'is not a registry host'],
  ])('refuses %j', (value, problem) => expect(parseImageReference(value).problem).toMatch(problem));
});
