import { applyDecorators, SetMetadata } from '@nestjs/common';
import { Extensions } from '@nestjs/graphql';

export const SERVICE_CALL = 'stagecraft:service-call';

/**
 * Marks a @ResolveField that asks a service (over NATS, or through a per-request loader): the
 * service-call budget counts it once per element it resolves for. Root queries and mutations
 * count without it. A test fails when a @ResolveField has no such mark.
 */
export function ServiceCall(): MethodDecorator {
  return applyDecorators(Extensions({ serviceCall: true }), SetMetadata(SERVICE_CALL, true));
}

export const LOCAL_FIELD = 'stagecraft:local-field';

/** Marks a @ResolveField computed from its parent alone (no service asked): the budget does not count it. */
export function LocalField(): MethodDecorator {
  return SetMetadata(LOCAL_FIELD, true);
}
