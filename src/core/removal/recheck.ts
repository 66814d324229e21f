// The re-check just before removal: the same endpoint, daemon and database as confirmed, and of
// the plan only what a fresh read still allows.
import type {
  OwnedContainer,
  OwnedNetwork,
  PlannedContainer,
  PlannedNetwork,
  RemovalMode,
  RemovalPlan,
  ScanResult,
  SkippedItem,
} from '../model';
import { RefusedError } from '../model';
import { changedReason, changedSincePlan, groupsByPrefix, removableIn, requireClassified } from '../rules';

/** What the fresh read lets the sweep remove. */
export interface Recheck {
  fresh: ScanResult;
  mode: RemovalMode;
  containers: PlannedContainer[];
  networks: PlannedNetwork[];
  /** Planned containers a changed prefix keeps: their networks keep them attached. */
  keptContainers: Set<string>;
  /** DECNET's resources at the re-check, by id. */
  freshContainers: Map<string, OwnedContainer>;
  freshNetworks: Map<string, OwnedNetwork>;
  skipped: SkippedItem[];
}

/** Refuses (RefusedError) unless the endpoint is the one confirmed. Before anything is read. */
export function requireSameEndpoint(plan: RemovalPlan, endpoint: string): void {
  if (endpoint !== plan.dockerEndpoint) {
    throw new RefusedError(`The Docker endpoint changed since the confirmation (${plan.dockerEndpoint} → ${endpoint}).`);
  }
}

/**
 * Refuses (RefusedError) unless the fresh read succeeded on both sides, from the daemon and the
 * database the plan was confirmed on.
 */
export function requireSameTarget(plan: RemovalPlan, fresh: ScanResult): void {
  requireClassified(fresh);
  const endpoint = fresh.dockerEndpoint;
  const daemon = fresh.docker.ok ? fresh.docker.value.daemon : undefined;
  if (!daemon?.id || !plan.daemon.id) {
    throw new RefusedError(`${endpoint} does not say which Docker daemon it is (no id in GET /info): nothing is removed.`);
  }
  if (daemon.id !== plan.daemon.id) {
    throw new RefusedError(
      `${endpoint} now reaches another Docker daemon (${daemon.name} ${daemon.id}) than the one confirmed (${plan.daemon.name} ${plan.daemon.id}).`,
    );
  }
  // A plan names the master only when the database has workers: no host named is the master.
  const planned = plan.host?.name ?? 'master';
  const now = fresh.host?.name ?? planned;
  if (now !== planned) throw new RefusedError(`The swarm host changed since the confirmation (${planned} → ${now}).`);
  if (fresh.dbSource !== plan.dbSource) {
    throw new RefusedError(`The database changed since the confirmation (${plan.dbSource} → ${fresh.dbSource}).`);
  }
}

/**
 * Of the plan, what the fresh read still allows. A resource whose prefix left the plan's allowed
 * state (an orphan became live; a `torn_down` topology got another status or lost its row), or
 * that appeared since the plan, is skipped with its reason; one already gone is left to the
 * verification.
 */
export function recheck(plan: RemovalPlan, fresh: ScanResult): Recheck {
  requireSameTarget(plan, fresh);
  const mode: RemovalMode = plan.mode ?? 'orphan';
  const groups = groupsByPrefix(fresh.groups);
  const confirmed = new Set(plan.prefixes);
  const freshContainers = new Map(fresh.groups.flatMap((g) => g.containers.map((c) => [c.id, c] as const)));
  const freshNetworks = new Map(fresh.groups.flatMap((g) => g.networks.map((n) => [n.id, n] as const)));
  const known = new Set([...plan.containers, ...plan.networks, ...plan.excluded].map((x) => x.id));
  const skipped: SkippedItem[] = [];

  // Anything of these prefixes that was not in the confirmed plan (by id) is left alone.
  for (const g of plan.prefixes.map((p) => groups.get(p))) {
    for (const c of g?.containers ?? []) {
      if (!known.has(c.id)) skipped.push({ kind: 'container', name: c.name, id: c.id, reason: 'appeared since the confirmation' });
    }
    for (const n of g?.networks ?? []) {
      if (!known.has(n.id)) skipped.push({ kind: 'network', name: n.name, id: n.id, reason: 'appeared since the confirmation' });
    }
  }

  const stillAllowed = <T extends { id: string; name: string; markers?: PlannedContainer['markers'] }>(
    kind: SkippedItem['kind'],
    planned: readonly T[],
    now: Map<string, OwnedContainer | OwnedNetwork>,
    onKept: (item: T) => void = () => undefined,
  ): T[] => {
    const going: T[] = [];
    for (const item of planned) {
      const resource = now.get(item.id);
      if (!resource) continue; // already gone: verified afterwards
      const changed = changedSincePlan(item, resource);
      if (changed) {
        onKept(item);
        skipped.push({ kind, name: item.name, id: item.id, reason: changed });
      } else if (removableIn(resource, groups, mode, confirmed)) {
        going.push(item);
      } else {
        onKept(item);
        skipped.push({ kind, name: item.name, id: item.id, reason: changedReason(resource, groups, mode, confirmed) });
      }
    }
    return going;
  };
  const keptContainers = new Set<string>();
  const containers = stillAllowed('container', plan.containers, freshContainers, (c) => keptContainers.add(c.id));
  const networks = stillAllowed('network', plan.networks, freshNetworks);
  return { fresh, mode, containers, networks, keptContainers, freshContainers, freshNetworks, skipped };
}
