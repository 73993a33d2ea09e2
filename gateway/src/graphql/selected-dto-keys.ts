import {
  type FieldNode,
  getNamedType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLResolveInfo,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';

/**
 * The keys of a service's DTO that the operation reads at `path` below the field being resolved
 * (`['edges', 'node']` for a connection's elements), so the service can send only those: a page
 * of 20 full package jobs is ≈ 16 KB of JSON for a list that shows four fields of each.
 *
 * A plain field reads the key of its own name; a @ResolveField reads what its @ServiceCall or
 * @LocalField declares (`reads`). `null` (send every key) when a selected field declares nothing
 * or is not one of `dtoKeys`, so a field added later is never answered from a key left out.
 * Aliases, fragments and inline fragments are followed; @skip and @include are ignored, which
 * only ever asks for more.
 */
export function selectedDtoKeys<K extends string>(
  info: GraphQLResolveInfo,
  path: readonly string[],
  dtoKeys: ReadonlySet<K>,
): K[] | null {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  let type: GraphQLNamedType = getNamedType(info.returnType);
  for (const name of path) {
    if (!isObjectType(type)) return null;
    const field: GraphQLField<unknown, unknown> | undefined = type.getFields()[name];
    if (!field) return null;
    nodes = subfields(nodes, info).filter((node) => node.name.value === name);
    type = getNamedType(field.type);
  }
  if (!isObjectType(type)) return null;
  const fields = type.getFields();
  const keys = new Set<K>();
  for (const node of subfields(nodes, info)) {
    const name = node.name.value;
    if (name === '__typename') continue;
    const field = fields[name];
    if (!field) return null;
    const extensions = field.extensions as FieldReads;
    if (extensions.serviceCall === true || extensions.localField === true) {
      if (!extensions.reads || !extensions.reads.every((key) => dtoKeys.has(key as K))) return null;
      for (const key of extensions.reads) keys.add(key as K);
    } else if (dtoKeys.has(name as K)) {
      keys.add(name as K);
    } else {
      return null;
    }
  }
  return [...keys].sort();
}

/** The `extensions` @ServiceCall and @LocalField give a field (graphql/service-call.decorator.ts). */
interface FieldReads {
  serviceCall?: boolean;
  localField?: boolean;
  reads?: readonly string[];
}

/** Every field selected directly below `nodes`, through fragments and inline fragments. */
function subfields(nodes: readonly FieldNode[], info: GraphQLResolveInfo): FieldNode[] {
  const found: FieldNode[] = [];
  const visited = new Set<string>();
  const collect = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) found.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        collect(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of nodes) collect(node.selectionSet);
  return found;
}
