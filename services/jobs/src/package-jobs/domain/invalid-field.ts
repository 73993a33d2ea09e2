import { PackageJobError, PackageJobErrorReason, type ServiceError } from '@stagecraft/contracts';

/** A field of the job breaks its rule: BAD_USER_INPUT naming the field. */
export function invalidField(field: string, message: string): ServiceError {
  return new PackageJobError(PackageJobErrorReason.INVALID_FIELD, message, field);
}
