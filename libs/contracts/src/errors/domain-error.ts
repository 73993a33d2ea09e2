import type { ErrorCode } from './error-code';
import { ServiceError } from './service-error';

/**
 * A failure a domain names: `reason` is one member of the domain's reason enum, and the transport
 * code comes from the domain's exhaustive mapping, so a reason never travels with two codes.
 */
export function domainErrorClass<Reason extends string>(domain: string, codeOf: (reason: Reason) => ErrorCode) {
  const DomainError = class extends ServiceError {
    constructor(reason: Reason, message: string, field?: string) {
      super(codeOf(reason), message, field, reason);
      this.name = `${domain}Error`;
    }
  };
  return DomainError;
}
