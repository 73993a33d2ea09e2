import { ValidateBy, type ValidationOptions } from 'class-validator';

import { parseCidrList } from './ip-ranges';

/**
 * `EGRESS_ALLOWED_CIDRS`: comma-separated CIDRs (or bare addresses). A bad value stops the service
 * at start with `EGRESS_ALLOWED_CIDRS: fails isEgressCidrList`.
 */
export function IsEgressCidrList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEgressCidrList',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            parseCidrList(value);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (args) =>
          `${args?.property ?? 'EGRESS_ALLOWED_CIDRS'} must be CIDRs separated by commas, e.g. 10.0.0.0/8,fd00::/8`,
      },
    },
    options,
  );
}
