/**
 * A GraphQL enum object made from a contract's list of values (`BUILD_STATUSES`, …), so the
 * schema's enums are the wire format's, declared once in libs/contracts.
 */
export function enumOf<const T extends readonly string[]>(values: T): { readonly [K in T[number]]: K } {
  return Object.freeze(Object.fromEntries(values.map((value) => [value, value]))) as { readonly [K in T[number]]: K };
}
