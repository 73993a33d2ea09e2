import { SetMetadata } from '@nestjs/common';
import type { ProcessIdentity } from '@stagecraft/contracts';

/** Nest metadata key of a message handler's declaration of who may call it. */
export const RPC_ACCESS = 'stagecraft:rpc-access';

/**
 * Who may call a NATS message handler. Every handler declares one; RpcAuthGuard refuses a
 * handler without a declaration (fail closed), and a test walks every subject for one.
 * - `public`: anyone, no token (login, public keys, health).
 * - `user`: a signed-in user who holds `action` (an IAM action of the catalog) in at least one
 *   enterprise project; the use case still checks it on the resource's own project.
 * - `admin`: a signed-in administrator (account-wide settings outside the action catalog).
 * - `service`: only the named processes may send it (their NATS identity, read from the
 *   request's reply inbox); it still acts for the user whose token it carries — unless
 *   `withoutUser` (ProcessRpc): then the process acts for itself, and no token is read.
 */
export type RpcAccess =
  | { readonly kind: 'public' }
  | { readonly kind: 'user'; readonly action: string; readonly emptyListWhenNowhere?: true }
  | { readonly kind: 'admin' }
  | { readonly kind: 'service'; readonly callers: readonly ProcessIdentity[]; readonly withoutUser?: true };

/** Anyone may call it, without a token: login, public keys, health. */
export const PublicRpc = () => SetMetadata<string, RpcAccess>(RPC_ACCESS, { kind: 'public' });

/**
 * A user action: the caller must hold this IAM action (`Actions.x.y`) in some enterprise project.
 * `emptyListWhenNowhere`: a list whose caller holds its action nowhere answers an empty page
 * (the design's "no access means an empty result"), filtered by the use case, not refused.
 */
export const UserRpc = (action: string, options: { emptyListWhenNowhere?: true } = {}) =>
  SetMetadata<string, RpcAccess>(RPC_ACCESS, { kind: 'user', action, ...options });

/** Administrators only: account-wide settings that no IAM action names. */
export const AdminRpc = () => SetMetadata<string, RpcAccess>(RPC_ACCESS, { kind: 'admin' });

/**
 * Service-only: only these processes may send it; each must also be allowed to publish the
 * subject in SUBJECT_SENDERS (the NATS server enforces that table, a test holds the two equal).
 */
export const ServiceRpc = (...callers: [ProcessIdentity, ...ProcessIdentity[]]) =>
  SetMetadata<string, RpcAccess>(RPC_ACCESS, { kind: 'service', callers: Object.freeze([...callers]) });

/**
 * Service-only, and acting for no user (no token): work a service does on its own later, such as
 * a queued build that starts running after its user's token is gone. The payload names the
 * account; the handler must trust the sender for it, so keep such subjects few and narrow.
 */
export const ProcessRpc = (...callers: [ProcessIdentity, ...ProcessIdentity[]]) =>
  SetMetadata<string, RpcAccess>(RPC_ACCESS, { kind: 'service', callers: Object.freeze([...callers]), withoutUser: true });
