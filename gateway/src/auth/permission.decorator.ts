import { SetMetadata } from '@nestjs/common';
import type { IamAction } from '@stagecraft/authz';

export const PERMISSION = 'stagecraft:permission';

/** Anyone, no token (only login). */
export const PUBLIC = 'public';
/** Any signed-in user; what they see is filtered by the service. */
export const SIGNED_IN = 'signed-in';
/** Account-wide settings outside the action catalog: administrators only. */
export const ADMIN_ONLY = 'admin-only';

export type DeclaredPermission = IamAction | typeof PUBLIC | typeof SIGNED_IN | typeof ADMIN_ONLY;

/**
 * States the permission an operation needs, next to the resolver. The service that answers
 * enforces it with the caller's own ability; the gateway refuses any operation that declares
 * none, and a test fails when one is missing.
 */
export const RequirePermission = (action: IamAction) => SetMetadata(PERMISSION, action);
export const Public = () => SetMetadata(PERMISSION, PUBLIC);
export const SignedIn = () => SetMetadata(PERMISSION, SIGNED_IN);
export const AdminOnly = () => SetMetadata(PERMISSION, ADMIN_ONLY);
