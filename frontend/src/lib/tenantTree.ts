// Builds the tenant tree from the flat, paginated `tenants` list.

import type { TenantKind } from '../generated/graphql';

export interface TenantLike {
  id: string;
  name: string;
  kind: TenantKind;
  parent: { id: string } | null;
}

export interface TreeNode<T extends TenantLike> {
  tenant: T;
  depth: number;
  children: TreeNode<T>[];
}

const KIND_ORDER: Record<TenantKind, number> = { PLATFORM: 0, DISTRIBUTOR: 1, RESELLER: 2, CUSTOMER: 3 };

/** Which kinds may be created under a tenant of `kind` (mirrors the API's rule). */
export function childKinds(kind: TenantKind): TenantKind[] {
  switch (kind) {
    case 'PLATFORM':
      return ['DISTRIBUTOR', 'RESELLER', 'CUSTOMER'];
    case 'DISTRIBUTOR':
      return ['RESELLER', 'CUSTOMER'];
    case 'RESELLER':
      return ['CUSTOMER'];
    case 'CUSTOMER':
      return [];
  }
}

/**
 * Roots are tenants whose parent is absent or not visible to the caller. Siblings are sorted by
 * tier, then name.
 */
export function buildTree<T extends TenantLike>(tenants: readonly T[]): TreeNode<T>[] {
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const children = new Map<string | null, T[]>();
  for (const t of tenants) {
    const parent = t.parent && byId.has(t.parent.id) ? t.parent.id : null;
    const list = children.get(parent) ?? [];
    list.push(t);
    children.set(parent, list);
  }
  const sort = (list: T[]) =>
    [...list].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name));
  const build = (parent: string | null, depth: number, seen: Set<string>): TreeNode<T>[] =>
    sort(children.get(parent) ?? [])
      .filter((t) => !seen.has(t.id))
      .map((t) => ({ tenant: t, depth, children: build(t.id, depth + 1, new Set(seen).add(t.id)) }));
  return build(null, 0, new Set());
}

/** Depth-first order, for selects and flat lists. */
export function flatten<T extends TenantLike>(nodes: readonly TreeNode<T>[]): TreeNode<T>[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

export function parentMap(tenants: readonly TenantLike[]): Map<string, string | null> {
  return new Map(tenants.map((t) => [t.id, t.parent?.id ?? null]));
}
