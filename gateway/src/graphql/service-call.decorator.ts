import { applyDecorators, SetMetadata } from '@nestjs/common';
import { Extensions } from '@nestjs/graphql';

export const SERVICE_CALL = 'stagecraft:service-call';

/**
 * What a @ResolveField reads of its parent (the DTO a service sent): the keys the gateway asks
 * the service for when the field is selected (graphql/selected-dto-keys.ts). Undeclared, the
 * service sends every key whenever the field is selected.
 */
export interface ParentReads<P> {
  reads?: readonly (keyof P & string)[];
}

/**
 * Marks a @ResolveField that asks a service (over NATS, or through a per-request loader): the
 * service-call budget counts it once per element it resolves for. Root queries and mutations
 * count without it. A test fails when a @ResolveField has no such mark.
 */
export function ServiceCall<P = never>(options: ParentReads<P> = {}): MethodDecorator {
  return applyDecorators(Extensions({ serviceCall: true, ...readsExtension(options) }), SetMetadata(SERVICE_CALL, true));
}

export const LOCAL_FIELD = 'stagecraft:local-field';

/** Marks a @ResolveField computed from its parent alone (no service asked): the budget does not count it. */
export function LocalField<P = never>(options: ParentReads<P> = {}): MethodDecorator {
  return applyDecorators(Extensions({ localField: true, ...readsExtension(options) }), SetMetadata(LOCAL_FIELD, true));
}

function readsExtension<P>({ reads }: ParentReads<P>): { reads?: readonly string[] } {
  return reads ? { reads } : {};
}
