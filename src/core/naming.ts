// DECNET's ownership markers on Docker resources (see decnet-facts.md, "Naming").

/** `decnet_t_<8 lowercase hex>_`: the only name shape DECNET gives topology resources. */
const NAME_PATTERN = /^decnet_t_([0-9a-f]{8})_/;
const COMPOSE_PATTERN = /^decnet-topo-([0-9a-f]{8})$/;
const PREFIX_PATTERN = /^[0-9a-f]{8}$/;

export const TOPOLOGY_ID_LABEL = 'decnet.topology.id';
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_PROJECT_PREFIX = 'decnet-topo-';

import type { Ownership } from './model';

/** The prefix in a resource name, or undefined when the name is not DECNET's. */
export function prefixFromName(name: string): string | undefined {
  return NAME_PATTERN.exec(name.replace(/^\//, ''))?.[1];
}

export function isValidPrefix(prefix: string): boolean {
  return PREFIX_PATTERN.test(prefix);
}

/** The prefix of a topology id: its first 8 characters, lowercased. */
export function prefixOfTopologyId(id: string): string {
  return id.slice(0, 8).toLowerCase();
}

/**
 * Every DECNET marker a resource carries: its name, its `decnet.topology.id` label, its compose
 * project. A marker that looks like DECNET's but holds no valid prefix is kept as malformed, so the
 * resource is never removable.
 */
export function ownershipOf(name: string, labels: Record<string, string> | null | undefined): Ownership {
  const prefixes = new Set<string>();
  const malformed: string[] = [];
  const fromName = prefixFromName(name);
  if (fromName) prefixes.add(fromName);

  const topologyId = labels?.[TOPOLOGY_ID_LABEL];
  if (topologyId !== undefined) {
    const prefix = topologyId.slice(0, 8);
    if (isValidPrefix(prefix)) prefixes.add(prefix);
    else malformed.push(`${TOPOLOGY_ID_LABEL}=${topologyId}`);
  }

  const project = labels?.[COMPOSE_PROJECT_LABEL];
  if (project !== undefined && project.startsWith(COMPOSE_PROJECT_PREFIX)) {
    const match = COMPOSE_PATTERN.exec(project);
    if (match) prefixes.add(match[1]);
    else malformed.push(`${COMPOSE_PROJECT_LABEL}=${project}`);
  }
  return { prefixes: [...prefixes].sort(), malformed };
}

/** True when the resource carries at least one DECNET marker, valid or not. */
export function isDecnetOwned(ownership: Ownership): boolean {
  return ownership.prefixes.length > 0 || ownership.malformed.length > 0;
}
