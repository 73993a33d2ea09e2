import type { RegistryAccess } from '@stagecraft/oci';

import { grantedActions, type RegistryPrincipal, type RepositoryRecord } from './registry-access';

const ACCOUNT = 'acc-1';
const OTHER_ACCOUNT = 'acc-2';
const scope = (name: string, ...actions: string[]): RegistryAccess => ({ type: 'repository', name, actions });
const repo = (name: string, imageClass: 'PUBLIC' | 'PRIVATE', project = 'p-a', account = ACCOUNT): RepositoryRecord => ({
  name,
  accountId: account,
  enterpriseProjectId: project,
  imageClass,
});
const platformRepo: RepositoryRecord = { name: 'node', accountId: null, enterpriseProjectId: null, imageClass: 'PUBLIC' };

const anonymous: RegistryPrincipal = { kind: 'anonymous' };
const member = (projects: string[], account = ACCOUNT): RegistryPrincipal => ({
  kind: 'user',
  id: 'u-1',
  accountId: account,
  mayPull: (project) => projects.includes(project),
});
const robot = (project: string): RegistryPrincipal => ({
  kind: 'robot',
  id: 'SCRB1',
  accountId: ACCOUNT,
  enterpriseProjectId: project,
});
const build = (project: string, repository: string): RegistryPrincipal => ({
  kind: 'build',
  id: 'b-1',
  accountId: ACCOUNT,
  enterpriseProjectId: project,
  repository,
});

describe('grantedActions', () => {
  it('PUBLIC: everyone pulls, nobody but its builds pushes', () => {
    const open = repo('shop/open', 'PUBLIC');
    for (const who of [anonymous, member([]), robot('p-b'), build('p-b', 'x/y')])
      expect(grantedActions(who, scope('shop/open', 'pull', 'push'), open)).toEqual(['pull']);
    expect(grantedActions(anonymous, scope('node', 'pull', 'push'), platformRepo)).toEqual(['pull']);
  });

  it('PRIVATE: the pull right in its project, its robots and its builds; nobody else, whatever the account', () => {
    const closed = repo('shop/closed', 'PRIVATE');
    expect(grantedActions(anonymous, scope('shop/closed', 'pull'), closed)).toEqual([]);
    expect(grantedActions(member(['p-a']), scope('shop/closed', 'pull'), closed)).toEqual(['pull']);
    expect(grantedActions(member(['p-b']), scope('shop/closed', 'pull'), closed)).toEqual([]);
    // The same project id in another account is another project.
    expect(grantedActions(member(['p-a'], OTHER_ACCOUNT), scope('shop/closed', 'pull'), closed)).toEqual([]);
    expect(grantedActions(robot('p-a'), scope('shop/closed', 'pull'), closed)).toEqual(['pull']);
    expect(grantedActions(robot('p-b'), scope('shop/closed', 'pull'), closed)).toEqual([]);
    expect(grantedActions(build('p-a', 'shop/other'), scope('shop/closed', 'pull'), closed)).toEqual(['pull']);
    expect(grantedActions(build('p-b', 'shop/other'), scope('shop/closed', 'pull'), closed)).toEqual([]);
  });

  it('push: only a build, only its own repository, only while its project owns it (or nobody does yet)', () => {
    expect(grantedActions(build('p-a', 'shop/new'), scope('shop/new', 'pull', 'push'), null)).toEqual(['pull', 'push']);
    expect(grantedActions(build('p-a', 'shop/mine'), scope('shop/mine', 'push'), repo('shop/mine', 'PRIVATE'))).toEqual(['push']);
    expect(grantedActions(build('p-b', 'shop/mine'), scope('shop/mine', 'pull', 'push'), repo('shop/mine', 'PRIVATE'))).toEqual(
      [],
    );
    expect(grantedActions(build('p-a', 'shop/mine'), scope('shop/yours', 'push'), null)).toEqual([]);
    expect(grantedActions(build('p-a', 'node'), scope('node', 'push'), platformRepo)).toEqual([]);
    for (const who of [member(['p-a']), robot('p-a')])
      expect(grantedActions(who, scope('shop/mine', 'push'), repo('shop/mine', 'PRIVATE'))).toEqual([]);
  });

  it('delete only to a pruning credential; never *, never another resource type', () => {
    const mine = repo('shop/mine', 'PUBLIC');
    expect(grantedActions(build('p-a', 'shop/mine'), scope('shop/mine', 'delete', '*'), mine)).toEqual([]);
    for (const who of [member(['p-a']), robot('p-a'), anonymous])
      expect(grantedActions(who, scope('shop/mine', 'delete'), mine)).toEqual([]);
    expect(grantedActions(member(['p-a']), { type: 'registry', name: 'catalog', actions: ['*'] }, null)).toEqual([]);
    expect(grantedActions(member(['p-a']), scope('shop/missing', 'pull'), null)).toEqual([]);
  });

  it('a pruning credential deletes in its one repository while its project owns it, and does nothing else', () => {
    const prune = (project: string, repository: string): RegistryPrincipal => ({
      kind: 'prune',
      id: 'builds',
      accountId: ACCOUNT,
      enterpriseProjectId: project,
      repository,
    });
    const mine = repo('shop/mine', 'PRIVATE');
    expect(grantedActions(prune('p-a', 'shop/mine'), scope('shop/mine', 'pull', 'push', 'delete', '*'), mine)).toEqual([
      'delete',
    ]);
    // Another project's repository, one nobody owns yet, the platform's, another repository than its own.
    expect(grantedActions(prune('p-b', 'shop/mine'), scope('shop/mine', 'delete'), mine)).toEqual([]);
    expect(grantedActions(prune('p-a', 'shop/new'), scope('shop/new', 'delete'), null)).toEqual([]);
    expect(grantedActions(prune('p-a', 'node'), scope('node', 'delete'), platformRepo)).toEqual([]);
    expect(grantedActions(prune('p-a', 'shop/mine'), scope('shop/yours', 'delete'), repo('shop/yours', 'PUBLIC'))).toEqual([]);
    expect(
      grantedActions(prune('p-a', 'shop/mine'), scope('shop/mine', 'delete'), repo('shop/mine', 'PUBLIC', 'p-a', OTHER_ACCOUNT)),
    ).toEqual([]);
  });
});
