import { Actions, buildAbility, Caller } from '@stagecraft/authz';
import { type CreatePolicyRequest, ErrorCode, IamErrorReason, type PolicyStatementInput } from '@stagecraft/contracts';

import type { AuditedChange, AuditService } from '../audit/audit.service';
import type { AuthzEventsPublisher } from '../authorization/authz-events.publisher';
import type { PolicyRepository } from './infra/policy.repository';
import { PoliciesService } from './policies.service';
import { InMemoryPolicyRepository } from './testing/in-memory-policy.repository';

const ACCOUNT = 'account-1';
const admin = new Caller('admin-1', ACCOUNT, true, buildAbility([]), {});
const member = new Caller('member-1', ACCOUNT, false, buildAbility([]), {});
const READ_JOBS: PolicyStatementInput = { effect: 'ALLOW', actions: ['servicestage:assembling:get'] };

function setup() {
  const repository = new InMemoryPolicyRepository();
  const audited: AuditedChange[] = [];
  const audit = { record: async (_caller: Caller, change: AuditedChange) => void audited.push(change) };
  const events = { rulesChanged: () => undefined };
  const service = new PoliciesService(
    repository as unknown as PolicyRepository,
    events as unknown as AuthzEventsPublisher,
    audit as unknown as AuditService,
  );
  const create = (request: Partial<CreatePolicyRequest>, caller = admin) =>
    service.create(caller, { name: 'readers', statements: [READ_JOBS], ...request });
  return { repository, audited, create };
}

describe('PoliciesService.create', () => {
  it('stores the policy with a copy of its statements, and audits it', async () => {
    const { repository, audited, create } = setup();
    const policy = await create({ description: '  ' });
    expect(policy).toMatchObject({ name: 'readers', description: null, statements: [READ_JOBS] });
    expect(repository.policies).toEqual([expect.objectContaining({ id: policy.id, accountId: ACCOUNT })]);
    expect(repository.policies[0].statements[0]).not.toBe(READ_JOBS);
    expect(audited).toEqual([{ action: Actions.policies.create, resourceType: 'policy', resourceId: policy.id }]);
  });

  it('refuses a name the account already uses, whatever its case: CONFLICT NAME_TAKEN, nothing audited', async () => {
    const { repository, audited, create } = setup();
    await create({ name: 'readers' });
    await expect(create({ name: 'Readers' })).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      reason: IamErrorReason.NAME_TAKEN,
      field: 'name',
      message: 'a policy named Readers already exists',
    });
    expect(repository.policies).toHaveLength(1);
    expect(audited).toHaveLength(1);
  });

  it.each<{ what: string; statements: PolicyStatementInput[]; field: string }>([
    { what: 'no statement', statements: [], field: 'statements' },
    { what: 'more than 100 statements', statements: Array.from({ length: 101 }, () => READ_JOBS), field: 'statements' },
    { what: 'a statement without actions', statements: [{ effect: 'ALLOW', actions: [] }], field: 'statements[0].actions' },
    {
      what: 'an action outside the catalog',
      statements: [{ effect: 'DENY', actions: ['servicestage:assembling:fly'] }],
      field: 'statements[0].actions[0]',
    },
  ])('refuses $what: BAD_USER_INPUT INVALID_FIELD on $field, nothing stored', async ({ statements, field }) => {
    const { repository, audited, create } = setup();
    await expect(create({ statements })).rejects.toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      reason: IamErrorReason.INVALID_FIELD,
      field,
    });
    expect(repository.policies).toEqual([]);
    expect(audited).toEqual([]);
  });

  it('keeps policies for administrators: FORBIDDEN ADMIN_ONLY to anyone else, nothing stored', async () => {
    const { repository, create } = setup();
    await expect(create({}, member)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN, reason: IamErrorReason.ADMIN_ONLY });
    expect(repository.policies).toEqual([]);
  });
});
