/**
 * The IAM action catalog: every permission name the platform knows, declared once here and
 * imported by the gateway, the services, the policy compiler and the docs.
 *
 * An IAM action `service:resource:verb` maps to CASL as action = verb, subject type = the
 * `resource` below, with the condition field `enterpriseProjectId`.
 */

/** CASL actions (the IAM verb). */
export type AuthzVerb = 'get' | 'list' | 'create' | 'modify' | 'delete' | 'explain' | 'pull';

/** CASL subject types. IAM ones are prefixed so they never collide with a product resource. */
export type AuthzResource =
  | 'assembling'
  | 'package'
  | 'cluster'
  | 'image'
  | 'iam-projects'
  | 'iam-users'
  | 'iam-access-keys'
  | 'iam-policies'
  | 'iam-attachments'
  | 'iam-permissions'
  | 'iam-tokens'
  | 'iam-audit';

/** The field CASL conditions (and the SQL converter) scope every resource by. */
export const SCOPE_FIELD = 'enterpriseProjectId';

interface ActionGroup {
  service: string;
  /** The resource segment as spelled in IAM action names. */
  iamResource: string;
  resource: AuthzResource;
  /** Admin-only actions grant nothing to non-administrators, whatever a policy says. */
  adminOnly: boolean;
  verbs: Partial<Record<AuthzVerb, string>>;
}

// `satisfies` keeps the literal keys so `Actions` below is typed action by action.
const ACTION_GROUPS = {
  assembling: {
    service: 'servicestage',
    iamResource: 'assembling',
    resource: 'assembling',
    adminOnly: false,
    verbs: {
      get: 'Read a package job and its builds',
      list: 'List package jobs and their builds',
      create: 'Create a package job or run a build',
      modify: 'Change a package job or cancel a build',
      delete: 'Delete a package job and its builds',
    },
  },
  package: {
    service: 'servicestage',
    iamResource: 'package',
    resource: 'package',
    adminOnly: false,
    verbs: {
      get: 'Read a package and download it',
      list: 'List packages',
      create: 'Upload a package',
      delete: 'Delete a package',
    },
  },
  cluster: {
    service: 'servicestage',
    iamResource: 'cluster',
    resource: 'cluster',
    adminOnly: false,
    verbs: {
      get: 'Read a cluster',
      list: 'List clusters',
      create: 'Register a cluster',
      modify: 'Change a cluster',
      delete: 'Remove a cluster',
    },
  },
  image: {
    service: 'servicestage',
    iamResource: 'image',
    resource: 'image',
    adminOnly: false,
    verbs: {
      pull: "Pull the project's PRIVATE images from the embedded registry (PUBLIC ones need nothing)",
      list: "List the project's image repositories and robot accounts",
      modify: "Change an image repository's class; create and delete the project's robot accounts",
    },
  },
  projects: {
    service: 'iam',
    iamResource: 'projects',
    resource: 'iam-projects',
    adminOnly: true,
    verbs: {
      list: 'List enterprise projects',
      create: 'Create an enterprise project',
    },
  },
  users: {
    service: 'iam',
    iamResource: 'users',
    resource: 'iam-users',
    adminOnly: true,
    verbs: {
      get: 'Read IAM users',
      create: 'Create an IAM user',
      delete: 'Delete an IAM user, its keys and its tokens',
    },
  },
  accessKeys: {
    service: 'iam',
    iamResource: 'accessKeys',
    resource: 'iam-access-keys',
    adminOnly: true,
    verbs: {
      create: 'Create an access key for a user',
      modify: 'Disable or enable an access key',
      delete: 'Delete an access key',
    },
  },
  policies: {
    service: 'iam',
    iamResource: 'policies',
    resource: 'iam-policies',
    adminOnly: true,
    verbs: {
      get: 'Read a policy',
      list: 'List policies',
      create: 'Create a policy',
      modify: "Change a policy's statements",
      delete: 'Delete a policy',
    },
  },
  attachments: {
    service: 'iam',
    iamResource: 'attachments',
    resource: 'iam-attachments',
    adminOnly: true,
    verbs: {
      list: 'List which policies are attached to which users',
      create: 'Attach a policy to a user',
      delete: 'Detach a policy from a user',
    },
  },
  permissions: {
    service: 'iam',
    iamResource: 'permissions',
    resource: 'iam-permissions',
    adminOnly: true,
    verbs: {
      explain: 'Explain whether a user may perform an action, and why',
    },
  },
  tokens: {
    service: 'iam',
    iamResource: 'tokens',
    resource: 'iam-tokens',
    adminOnly: true,
    verbs: {
      delete: 'Revoke every token a user holds',
    },
  },
  auditRecords: {
    service: 'iam',
    iamResource: 'auditRecords',
    resource: 'iam-audit',
    adminOnly: true,
    verbs: {
      list: 'Read the audit records of who did what',
    },
  },
} as const satisfies Record<string, ActionGroup>;

type Groups = typeof ACTION_GROUPS;

/** `Actions.assembling.create === 'servicestage:assembling:create'`: code never spells the strings. */
export type ActionsMap = {
  readonly [G in keyof Groups]: {
    readonly [V in keyof Groups[G]['verbs']]: `${Groups[G]['service']}:${Groups[G]['iamResource']}:${V & string}`;
  };
};

/** Every IAM action name, as a string literal union. */
export type IamAction = { [G in keyof ActionsMap]: ActionsMap[G][keyof ActionsMap[G]] }[keyof ActionsMap];

export interface ActionDefinition {
  name: IamAction;
  service: string;
  resource: AuthzResource;
  verb: AuthzVerb;
  description: string;
  adminOnly: boolean;
}

const definitions: ActionDefinition[] = [];
const actionsMap: Record<string, Record<string, string>> = {};
for (const [groupKey, group] of Object.entries(ACTION_GROUPS) as [string, ActionGroup][]) {
  actionsMap[groupKey] = {};
  for (const [verb, description] of Object.entries(group.verbs) as [AuthzVerb, string][]) {
    const name = `${group.service}:${group.iamResource}:${verb}` as IamAction;
    actionsMap[groupKey][verb] = name;
    definitions.push({ name, service: group.service, resource: group.resource, verb, description, adminOnly: group.adminOnly });
  }
  Object.freeze(actionsMap[groupKey]);
}

export const Actions = Object.freeze(actionsMap) as unknown as ActionsMap;

/** The catalog in declaration order (the order the docs table uses). */
export const ACTION_CATALOG: readonly ActionDefinition[] = Object.freeze(definitions.map((d) => Object.freeze(d)));

const byName = new Map<string, ActionDefinition>(ACTION_CATALOG.map((d) => [d.name, d]));

/** The definition of an exact action name, or undefined when the catalog has no such action. */
export function findAction(name: string): ActionDefinition | undefined {
  return byName.get(name);
}

export function isIamAction(name: string): name is IamAction {
  return byName.has(name);
}

/** Thrown when code or a caller names an action the catalog does not have. */
export class UnknownActionError extends Error {
  constructor(readonly action: string) {
    super(`unknown action "${action}"`);
    this.name = 'UnknownActionError';
  }
}

/** The definition of `name`; throws UnknownActionError when there is none. */
export function requireAction(name: string): ActionDefinition {
  const definition = byName.get(name);
  if (!definition) throw new UnknownActionError(name);
  return definition;
}
