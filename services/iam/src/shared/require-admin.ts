import type { Caller } from '@stagecraft/authz';
import { IamError, IamErrorReason } from '@stagecraft/contracts';

/** iam actions are reserved for administrators, whatever a policy says. */
export function requireAdmin(caller: Caller, action: string): void {
  if (!caller.isAdmin) throw new IamError(IamErrorReason.ADMIN_ONLY, `${action} is reserved for administrators`);
}
