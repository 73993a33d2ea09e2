import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { MessagePattern, NatsContext } from '@nestjs/microservices';
import { ErrorCode, ServiceError } from '@stagecraft/contracts';
import { AdminRpc, inboxPrefixOf, PublicRpc, rememberReplySubject, ServiceRpc, UserRpc } from '@stagecraft/messaging';

import { Actions } from '../action-catalog';
import { buildAbility } from '../policy-compiler';
import { Caller } from './caller';
import type { CallerResolver } from './caller-resolver';
import { RpcAuthGuard } from './rpc-auth.guard';

const PROJECT = '11111111-1111-4111-8111-111111111111';

class Handlers {
  @MessagePattern('test.undeclared.v1')
  undeclared() {}

  @PublicRpc()
  @MessagePattern('test.public.v1')
  open() {}

  @UserRpc(Actions.assembling.delete)
  @MessagePattern('test.user.v1')
  user() {}

  @UserRpc(Actions.package.list, { emptyListWhenNowhere: true })
  @MessagePattern('test.list.v1')
  list() {}

  @UserRpc('servicestage:nothing:here')
  @MessagePattern('test.unknown-action.v1')
  unknownAction() {}

  @AdminRpc()
  @MessagePattern('test.admin.v1')
  admin() {}

  @ServiceRpc('jobs')
  @MessagePattern('test.service.v1')
  service() {}
}

function callerWith(rules: Parameters<typeof buildAbility>[0], isAdmin = false): Caller {
  return new Caller('user', 'account', isAdmin, buildAbility(rules), {});
}

function contextFor(handler: keyof Handlers, replySubject = '_INBOX.abc.1'): ExecutionContext {
  const rpc = new NatsContext([`prefix.test.${handler}.v1`, undefined]);
  rememberReplySubject(rpc, replySubject);
  return {
    getType: () => 'rpc',
    getHandler: () => Handlers.prototype[handler],
    getClass: () => Handlers,
    switchToRpc: () => ({ getContext: () => rpc, getData: () => ({}) }),
  } as unknown as ExecutionContext;
}

async function refusal(guard: RpcAuthGuard, context: ExecutionContext): Promise<{ code: string; message: string } | null> {
  try {
    await guard.canActivate(context);
    return null;
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe('RpcAuthGuard', () => {
  const resolved: Caller[] = [];
  let caller: Caller;
  const resolver = {
    resolve: async () => {
      resolved.push(caller);
      return caller;
    },
  } as unknown as CallerResolver;
  const guard = new RpcAuthGuard(new Reflector(), resolver);

  beforeEach(() => {
    resolved.length = 0;
    caller = callerWith([]);
  });

  it('refuses a handler that declares nobody, before reading any token (fail closed)', async () => {
    expect(await refusal(guard, contextFor('undeclared'))).toEqual({
      code: ErrorCode.FORBIDDEN,
      message: 'test.undeclared.v1 declares no caller (public, user action, admin or service-only): refused',
    });
    expect(resolved).toEqual([]);
  });

  it('lets a public handler through without a caller', async () => {
    expect(await refusal(guard, contextFor('open'))).toBeNull();
    expect(resolved).toEqual([]);
  });

  it('refuses a user who holds the action in no project, and lets one who holds it somewhere through', async () => {
    expect(await refusal(guard, contextFor('user'))).toEqual({
      code: ErrorCode.FORBIDDEN,
      message: 'servicestage:assembling:delete is allowed to you in no enterprise project',
    });
    caller = callerWith([{ action: 'delete', subject: 'assembling', conditions: { enterpriseProjectId: { $in: [PROJECT] } } }]);
    expect(await refusal(guard, contextFor('user'))).toBeNull();
    caller = callerWith([
      { action: 'delete', subject: 'assembling' },
      { action: 'delete', subject: 'assembling', inverted: true },
    ]);
    expect((await refusal(guard, contextFor('user')))?.code).toBe(ErrorCode.FORBIDDEN);
  });

  it('lets a list through to its SQL filter when declared so, for a verified caller', async () => {
    expect(await refusal(guard, contextFor('list'))).toBeNull();
    expect(resolved).toEqual([caller]);
  });

  it('refuses a declaration naming no action of the catalog', async () => {
    caller = callerWith([{ action: 'manage', subject: 'all' }], true);
    expect(await refusal(guard, contextFor('unknownAction'))).toEqual({
      code: ErrorCode.FORBIDDEN,
      message: 'test.unknown-action.v1 declares servicestage:nothing:here, which is no action of the catalog: refused',
    });
  });

  it('keeps admin handlers to administrators', async () => {
    caller = callerWith([{ action: 'manage', subject: 'all' }]);
    expect((await refusal(guard, contextFor('admin')))?.message).toBe('test.admin.v1 is reserved for administrators');
    caller = callerWith([{ action: 'manage', subject: 'all' }], true);
    expect(await refusal(guard, contextFor('admin'))).toBeNull();
  });

  it('takes a service-only request only from the named process, read from its reply inbox', async () => {
    expect(await refusal(guard, contextFor('service'))).toEqual({
      code: ErrorCode.FORBIDDEN,
      message: 'test.service.v1 is service-only: only jobs may send it, not an unidentified sender',
    });
    expect(await refusal(guard, contextFor('service', `${inboxPrefixOf('gateway')}.abc.1`))).toEqual({
      code: ErrorCode.FORBIDDEN,
      message: 'test.service.v1 is service-only: only jobs may send it, not gateway',
    });
    // `_INBOX_jobsx` is not the jobs inbox.
    expect((await refusal(guard, contextFor('service', `${inboxPrefixOf('jobs')}x.abc.1`)))?.code).toBe(ErrorCode.FORBIDDEN);
    expect(resolved).toEqual([]);
    expect(await refusal(guard, contextFor('service', `${inboxPrefixOf('jobs')}.abc.1`))).toBeNull();
    // It still acts for a verified user.
    expect(resolved).toEqual([caller]);
  });
});
