import type { Type } from '@nestjs/common';
import { Field, ObjectType } from '@nestjs/graphql';
import type { PageDto } from '@stagecraft/contracts';

@ObjectType()
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

/**
 * The Relay edge and connection types for a node type, named `<Node>Edge` and `<Node>Connection`;
 * the connection also has the fields of `extra` (an abstract @ObjectType), when given.
 */
export function connectionOf<T, Extra extends object = object>(
  node: Type<T>,
  name = node.name,
  extra: Type<Extra> = class {} as Type<Extra>,
): Type<ConnectionShape<T> & Extra> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field() cursor!: string;
    @Field(() => node) node!: T;
  }

  @ObjectType(`${name}Connection`)
  class Connection extends (extra as Type<object>) {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return Connection as unknown as Type<ConnectionShape<T> & Extra>;
}

export function toConnection<T>(page: PageDto<T>): ConnectionShape<T> {
  return { edges: page.edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
}

/** Each element of a list page costs its field cost; the page size multiplies it. */
export function pageComplexity({ args, childComplexity }: { args: { first?: number | null }; childComplexity: number }): number {
  return 1 + (args.first ?? 20) * childComplexity;
}
