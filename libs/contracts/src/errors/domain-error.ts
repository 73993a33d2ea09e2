import type { ErrorCode } from './error-code';
import { ServiceError } from './service-error';

/** A domain's reasons, each listed under the one transport code it travels with. */
type ReasonsByCode = Partial<Record<ErrorCode, readonly string[]>>;
type ReasonOf<T extends ReasonsByCode> = { [C in keyof T]: T[C] extends readonly (infer R)[] ? R : never }[keyof T] & string;

/**
 * A domain's failures: every reason is named once, under its code, so a reason cannot exist
 * without a code nor travel with two. `Error` is the domain's ServiceError: `new
 * PackageJobError(PackageJobErrorReason.NAME_TAKEN, message, 'name')` gets its code from here.
 */
export function errorDomain<const T extends ReasonsByCode>(domain: string, reasonsByCode: T) {
  type Reason = ReasonOf<T>;
  const codes = new Map<string, ErrorCode>();
  for (const [code, reasons] of Object.entries(reasonsByCode) as [ErrorCode, readonly string[]][]) {
    for (const reason of reasons) {
      if (codes.has(reason)) throw new Error(`${domain}: the reason ${reason} is listed under two codes`);
      codes.set(reason, code);
    }
  }
  const codeOf = (reason: Reason): ErrorCode => codes.get(reason)!;
  const DomainError = class extends ServiceError {
    constructor(reason: Reason, message: string, field?: string) {
      super(codeOf(reason), message, field, reason);
      this.name = `${domain}Error`;
    }
  };
  return {
    /** Every reason by its name, to write `Reason.NAME_TAKEN`. */
    reasons: Object.fromEntries([...codes.keys()].map((reason) => [reason, reason])) as { readonly [R in Reason]: R },
    codeOf,
    Error: DomainError,
  };
}
