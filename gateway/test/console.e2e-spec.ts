// The gateway serves the web console on its own origin (issue 15): the page under a strict
// Content-Security-Policy for every console route, hashed assets cached for good, the API's own
// paths untouched; and allowedActions tells a frontend which controls a member may use.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Platform, startPlatform } from './platform-harness';

describe('the console on the gateway', () => {
  const consoleDir = mkdtempSync(join(tmpdir(), 'stagecraft-console-dist-'));
  let platform: Platform;
  let admin: string;

  beforeAll(async () => {
    mkdirSync(join(consoleDir, 'assets'));
    writeFileSync(
      join(consoleDir, 'index.html'),
      '<!doctype html><title>Stagecraft</title><script type="module" src="/assets/app-1a2b.js"></script>',
    );
    writeFileSync(join(consoleDir, 'assets', 'app-1a2b.js'), 'console.log("console");');
    platform = await startPlatform({ CONSOLE_DIR: consoleDir });
    admin = await platform.adminToken();
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  it.each(['/', '/jobs', '/builds/0d6c4e1e-7d47-4b2b-9d8e-2f0a0c1b2a3d'])(
    'answers %s with the page under a CSP without inline code',
    async (path) => {
      const response = await fetch(`${platform.url}${path}`, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toContain('<title>Stagecraft</title>');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );

  it('serves hashed assets for a year, and a missing one as 404 rather than the page', async () => {
    const asset = await fetch(`${platform.url}/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${platform.url}/assets/missing.js`)).status).toBe(404);
  });

  it("leaves the API's paths alone", async () => {
    const health = await fetch(`${platform.url}/health`, { headers: { accept: 'text/html' } });
    expect(health.headers.get('content-type')).toMatch(/json/);
    const graphql = await platform.gql<{ me: { name: string } }>('{ me { name } }', {}, admin);
    expect(graphql.data?.me.name).toBe('admin');
    const upload = await fetch(`${platform.url}/packages/nope/content`, { method: 'PUT', headers: { accept: 'text/html' } });
    expect(upload.headers.get('content-type')).toMatch(/json/);
  });

  it('lists the actions a member may take in each project: a Deny removes one, other projects show none', async () => {
    const { enterpriseProjects } = (
      await platform.gql<{ enterpriseProjects: { id: string; name: string }[] }>('{ enterpriseProjects { id name } }', {}, admin)
    ).data!;
    const defaultProject = enterpriseProjects.find((project) => project.name === 'default')!.id;
    const other = await platform.createProject(admin, 'console-other');
    const member = await platform.userWithStatements(
      admin,
      'console-member',
      [
        { effect: 'ALLOW', actions: ['servicestage:*:*'] },
        { effect: 'DENY', actions: ['servicestage:assembling:create'] },
      ],
      [defaultProject],
    );
    const answer = await platform.gql<{ enterpriseProjects: { id: string; allowedActions: string[] }[] }>(
      '{ enterpriseProjects { id allowedActions } }',
      {},
      member.token,
    );
    const projects = answer.data!.enterpriseProjects;
    expect(projects.map((project) => project.id)).toEqual([defaultProject]);
    expect(projects[0]!.allowedActions).toEqual(
      expect.arrayContaining(['servicestage:assembling:get', 'servicestage:assembling:modify']),
    );
    expect(projects[0]!.allowedActions).not.toContain('servicestage:assembling:create');
    expect(projects[0]!.allowedActions.filter((action) => action.startsWith('iam:'))).toEqual([]);

    const forAdmin = await platform.gql<{ enterpriseProjects: { id: string; allowedActions: string[] }[] }>(
      '{ enterpriseProjects { id allowedActions } }',
      {},
      admin,
    );
    expect(forAdmin.data!.enterpriseProjects.find((project) => project.id === other)!.allowedActions).toContain(
      'servicestage:assembling:create',
    );
  });

  it('lists users with their access keys for administrators, never a secret, and refuses a member', async () => {
    const member = await platform.userWithStatements(admin, 'console-lister', [{ effect: 'ALLOW', actions: ['*'] }], null);
    const listed = await platform.gql<{ users: { name: string; accessKeys: { accessKey: string; enabled: boolean }[] }[] }>(
      '{ users { name accessKeys { accessKey enabled } } }',
      {},
      admin,
    );
    const lister = listed.data!.users.find((user) => user.name === 'console-lister')!;
    expect(lister.accessKeys).toEqual([{ accessKey: member.accessKey, enabled: true }]);
    expect(JSON.stringify(listed)).not.toContain(member.secretKey);
    const refused = await platform.gql('{ users { name } }', {}, member.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('answers the action catalog to any signed-in user', async () => {
    const answer = await platform.gql<{ actionCatalog: { name: string; adminOnly: boolean }[] }>(
      '{ actionCatalog { name adminOnly } }',
      {},
      admin,
    );
    expect(answer.data!.actionCatalog).toEqual(
      expect.arrayContaining([
        { name: 'servicestage:assembling:create', adminOnly: false },
        { name: 'iam:users:get', adminOnly: true },
      ]),
    );
  });
});
