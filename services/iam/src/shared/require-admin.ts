import type { Caller } from '@stagecraft/authz';
import { ServiceError } from '@stagecraft/contracts';

/** iam actions are reserved for administrators, whatever a policy says. */
export function requireAdmin(caller: Caller, action: string): void {
  if (!caller.isAdmin) throw ServiceError.forbidden(`${action} is reserved for administrators`);
}
