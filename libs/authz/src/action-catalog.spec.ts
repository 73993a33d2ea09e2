import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ACTION_CATALOG, Actions, findAction, isIamAction, requireAction, UnknownActionError } from './action-catalog';

describe('action catalog', () => {
  it('holds exactly the documented actions, in declaration order', () => {
    expect(ACTION_CATALOG.map((d) => d.name)).toEqual([
      'servicestage:assembling:get',
      'servicestage:assembling:list',
      'servicestage:assembling:create',
      'servicestage:assembling:modify',
      'servicestage:assembling:delete',
      'servicestage:package:get',
      'servicestage:package:list',
      'servicestage:package:create',
      'servicestage:package:delete',
      'servicestage:cluster:get',
      'servicestage:cluster:list',
      'servicestage:cluster:create',
      'servicestage:cluster:modify',
      'servicestage:cluster:delete',
      'servicestage:image:pull',
      'servicestage:image:list',
      'servicestage:image:modify',
      'iam:projects:list',
      'iam:projects:create',
      'iam:users:get',
      'iam:users:create',
      'iam:users:delete',
      'iam:accessKeys:create',
      'iam:accessKeys:modify',
      'iam:accessKeys:delete',
      'iam:policies:get',
      'iam:policies:list',
      'iam:policies:create',
      'iam:policies:modify',
      'iam:policies:delete',
      'iam:attachments:list',
      'iam:attachments:create',
      'iam:attachments:delete',
      'iam:permissions:explain',
      'iam:tokens:delete',
      'iam:auditRecords:list',
    ]);
  });

  it('marks exactly the iam actions admin-only', () => {
    for (const definition of ACTION_CATALOG) {
      expect([definition.name, definition.adminOnly]).toEqual([definition.name, definition.name.startsWith('iam:')]);
    }
  });

  it('derives verb and resource from the name, and describes every action', () => {
    for (const definition of ACTION_CATALOG) {
      const [service, , verb] = definition.name.split(':');
      expect(definition.service).toBe(service);
      expect(definition.verb).toBe(verb);
      expect(definition.description.length).toBeGreaterThan(5);
    }
    expect(requireAction('servicestage:assembling:create')).toMatchObject({ resource: 'assembling', verb: 'create' });
    expect(requireAction('iam:accessKeys:create')).toMatchObject({ resource: 'iam-access-keys', verb: 'create' });
    expect(requireAction('iam:permissions:explain')).toMatchObject({ resource: 'iam-permissions', verb: 'explain' });
  });

  it('exposes typed constants equal to the names', () => {
    expect(Actions.assembling.create).toBe('servicestage:assembling:create');
    expect(Actions.package.delete).toBe('servicestage:package:delete');
    expect(Actions.cluster.modify).toBe('servicestage:cluster:modify');
    expect(Actions.accessKeys.create).toBe('iam:accessKeys:create');
    expect(Actions.permissions.explain).toBe('iam:permissions:explain');
    const constants = Object.values(Actions).flatMap((group) => Object.values(group));
    expect(constants.sort()).toEqual(ACTION_CATALOG.map((d) => d.name).sort());
    expect(Object.isFrozen(Actions) && Object.isFrozen(Actions.assembling)).toBe(true);
  });

  it('is documented, action by action, in docs/permissions.md', () => {
    const docs = readFileSync(join(__dirname, '../../../docs/permissions.md'), 'utf8');
    // Table rows `| \`name\` | description | yes? |`, however Prettier pads them.
    const documented = [...docs.matchAll(/^\|\s*`([^`]+)`\s*\|([^|]+)\|([^|]*)\|\s*$/gm)].map(([, name, text, admin]) => ({
      name,
      description: text.trim(),
      adminOnly: admin.trim() === 'yes',
    }));
    expect(documented).toEqual(ACTION_CATALOG.map(({ name, description, adminOnly }) => ({ name, description, adminOnly })));
  });

  it('looks names up exactly, and rejects unknown ones', () => {
    expect(findAction('servicestage:package:get')?.resource).toBe('package');
    expect(findAction('servicestage:package:modify')).toBeUndefined();
    expect(findAction('servicestage:Package:get')).toBeUndefined();
    expect(isIamAction('iam:users:get')).toBe(true);
    expect(isIamAction('iam:users:*')).toBe(false);
    expect(() => requireAction('servicestage:widget:get')).toThrow(UnknownActionError);
    expect(() => requireAction('servicestage:widget:get')).toThrow('unknown action "servicestage:widget:get"');
  });
});
