// Turns a node into the TreeItem VS Code shows: icon, label, description, tooltip, context value.
// The words come from labels.ts (accessibility.ts for screen readers, ../words for errors), the id
// from nodeId().
import * as vscode from 'vscode';
import type { Group } from '../../core/model';
import { ContextValues } from '../constants';
import * as L from './labels';
import * as A from './accessibility';
import * as E from '../words/errors';
import * as W from '../words/common';
import { isTornDown } from '../../core/rules';
import { NO_ENDPOINT } from '../../core/fleet';
import { blockerRemoval, foreignEndpoints, nodeId, type NodeOf, type TreeNode } from './nodes';
import { conflictOf, hostDescription } from './snapshot';
import type { NetworkConflict } from '../../core/overlaps';

function icon(id: string, color?: string): vscode.ThemeIcon {
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

const warningIcon = (): vscode.ThemeIcon => icon('warning', 'list.warningForeground');

function markdown(text: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(text);
  m.isTrusted = false;
  m.supportHtml = false;
  return m;
}

interface ItemParts {
  label: string;
  collapsible?: vscode.TreeItemCollapsibleState;
  description?: string;
  tooltip?: string | vscode.MarkdownString;
  icon: vscode.ThemeIcon;
  contextValue: string;
  command?: vscode.Command;
  /** What a screen reader says: short, not the tooltip. */
  accessibility?: string;
}

function item(node: TreeNode, parts: ItemParts): vscode.TreeItem {
  const it = new vscode.TreeItem(parts.label, parts.collapsible ?? vscode.TreeItemCollapsibleState.None);
  it.id = nodeId(node);
  it.description = parts.description;
  it.tooltip = parts.tooltip;
  it.iconPath = parts.icon;
  it.contextValue = parts.contextValue;
  it.command = parts.command;
  if (parts.accessibility) it.accessibilityInformation = { label: parts.accessibility };
  return it;
}

/** The one builder of error rows: expanded, red, with their fixes as children. */
function errorItem(node: NodeOf<'error'>): vscode.TreeItem {
  const message = node.error instanceof Error ? node.error.message : String(node.error);
  const parts = {
    collapsible: vscode.TreeItemCollapsibleState.Expanded,
    icon: icon('error', 'list.errorForeground'),
    tooltip: message,
  };
  switch (node.source) {
    case 'db':
      return item(node, {
        ...parts,
        // The cause is the label (a narrow view keeps it), the path the description.
        label: E.dbErrorLabel(node.error.kind),
        description: node.error.path ?? message,
        tooltip: `${L.Labels.dbError}: ${E.dbErrorWords(node.error.kind)}. ${message}`,
        contextValue: ContextValues.dbError,
        accessibility: `error: ${E.dbErrorLabel(node.error.kind)}${node.error.path ? `, ${node.error.path}` : ''}`,
      });
    case 'docker':
      if (node.host) {
        // One host of a swarm: its own error, the others are shown as usual.
        const none = !node.host.host.endpoint && !node.host.host.problem;
        const name = node.host.host.ref.name;
        if (node.host.host.problem) {
          return item(node, {
            ...parts,
            label: L.Labels.hostNotScanned,
            description: message,
            tooltip: message,
            contextValue: ContextValues.hostUnreachable,
            accessibility: `error: ${L.Labels.hostNotScanned}`,
          });
        }
        const cause = none ? NO_ENDPOINT : E.dockerErrorLabel(node.error.code);
        return item(node, {
          ...parts,
          label: cause,
          description: none ? (node.host.host.offer ? `for example ${node.host.host.offer}` : undefined) : node.error.endpoint,
          accessibility: `error on host ${name}: ${cause}`,
          tooltip: none
            ? `Host ${name} has no Docker endpoint in decnet.fleet.endpoints. Set Docker Endpoint… stores one (you confirm it first).`
            : `${message}\n\nIs host ${name}'s daemon running, and is its entry in decnet.fleet.endpoints the right endpoint?`,
          contextValue: ContextValues.hostUnreachable,
        });
      }
      return item(node, {
        ...parts,
        label: E.dockerErrorLabel(node.error.code),
        description: node.error.endpoint,
        tooltip: `${message}\n\nIs the daemon running, and is decnet.docker.host (or DOCKER_HOST, the Docker context) the right endpoint?`,
        contextValue: ContextValues.dockerError,
        accessibility: `error: ${E.dockerErrorLabel(node.error.code)}, ${node.error.endpoint}`,
      });
    default:
      return item(node, {
        ...parts,
        label: L.Labels.scanFailed,
        description: message,
        contextValue: ContextValues.scanFailed,
        accessibility: `error: ${L.Labels.scanFailed}`,
      });
  }
}

export function treeItemOf(node: TreeNode): vscode.TreeItem {
  switch (node.kind) {
    case 'loading':
      return item(node, { label: L.Labels.loading, icon: icon('loading~spin'), contextValue: ContextValues.loading });
    case 'host': {
      const scan = node.snapshot.host;
      const ok = scan?.result.docker.ok ?? false;
      const name = scan?.host.ref.name ?? '';
      const description = hostDescription(node.snapshot);
      return item(node, {
        label: name,
        collapsible: vscode.TreeItemCollapsibleState.Expanded,
        description,
        tooltip: `${scan?.host.swarm ? `Worker ${name} (${scan.host.swarm.address})` : `Master`}: ${description}`,
        icon: ok ? icon('server') : icon('server', 'list.errorForeground'),
        contextValue: ContextValues.host,
        accessibility: `${ok ? 'host' : 'host not scanned'} ${name}, ${description}`,
      });
    }
    case 'section':
      return sectionItem(node);
    case 'foreignSection': {
      const conflicts = node.networks.filter((n) => conflictOf(node.snapshot, n.id)).length;
      return item(node, {
        label: L.sectionLabel(L.Labels.foreignNetworks, node.networks.length),
        collapsible: vscode.TreeItemCollapsibleState.Expanded,
        contextValue: ContextValues.foreignSection,
        icon: conflicts ? warningIcon() : icon('type-hierarchy'),
        description: conflicts ? W.conflictCount(conflicts) : undefined,
        tooltip: L.foreignSectionTooltip(),
        accessibility: A.sectionAccessibilityLabel(L.Labels.foreignNetworks, node.networks.length),
      });
    }
    case 'foreignNetwork': {
      const conflict = conflictOf(node.snapshot, node.network.id);
      return item(node, {
        label: node.network.name,
        description: L.foreignNetworkDescription(node.network, conflict),
        tooltip: markdown(L.foreignNetworkTooltip(node.network, conflict)),
        icon: conflict ? warningIcon() : icon('type-hierarchy'),
        contextValue: node.pinned ? ContextValues.pinnedForeignNetwork : ContextValues.foreignNetwork,
        accessibility: A.networkAccessibilityLabel(node.network, conflict, true),
      });
    }
    case 'blockedSection':
      return item(node, {
        label: L.sectionLabel(L.Labels.blocked, node.blocked.length),
        collapsible: vscode.TreeItemCollapsibleState.Expanded,
        contextValue: ContextValues.blockedSection,
        icon: warningIcon(),
        tooltip: L.blockedSectionTooltip(),
        accessibility: A.sectionAccessibilityLabel(L.Labels.blocked, node.blocked.length),
      });
    case 'blocked': {
      const { lan, conflict } = node.blocked;
      const torn = blockerRemoval(node.blocked) === 'tornDown';
      const removal = blockerRemoval(node.blocked);
      const row = L.blockedRow(lan, conflict, torn);
      return item(node, {
        label: row.label,
        description: row.description,
        tooltip: markdown(L.blockedTooltip(lan, conflict, torn)),
        icon: warningIcon(),
        contextValue:
          removal === 'orphan'
            ? ContextValues.blockedByOrphan
            : removal === 'tornDown'
              ? ContextValues.blockedByTornDown
              : removal === 'misplaced'
                ? ContextValues.blockedByMisplaced
                : ContextValues.blocked,
        accessibility: row.accessibility,
      });
    }
    case 'group':
      return groupItem(node);
    case 'foreignEndpoint': {
      // Under the network it is attached to: what a removal does to it is what decides.
      const goes = node.group.state === 'orphan' && node.network.removable;
      const state = node.endpoint.state ?? 'running';
      const description = [goes ? 'foreign, disconnected (not removed)' : 'foreign', state].join(W.SEP);
      return item(node, {
        label: node.endpoint.name,
        description,
        tooltip: markdown(L.foreignEndpointTooltip(node.endpoint, node.network, goes)),
        icon: icon('debug-disconnect', goes ? 'list.warningForeground' : undefined),
        contextValue: ContextValues.foreignEndpoint,
        accessibility: `${goes ? 'foreign container, disconnected if the group is removed' : 'foreign container'}: ${node.endpoint.name}, ${state}`,
      });
    }
    case 'container': {
      const { container: c, group, snapshot } = node;
      const live = snapshot.result.livePrefixes;
      const kept = L.keptReason(c, group, live);
      return item(node, {
        label: L.shortName(c.name, group.prefix),
        description: L.containerDescription(c, group, live),
        tooltip: markdown(L.containerTooltip(c, group, live)),
        icon: icon(c.state === 'running' ? 'vm-active' : 'vm-outline'),
        // A decky's base container holds its service containers.
        collapsible: node.services?.length ? vscode.TreeItemCollapsibleState.Collapsed : undefined,
        contextValue: ContextValues.container,
        accessibility: A.containerAccessibilityLabel(c, kept),
      });
    }
    case 'network': {
      const { network: n, group, snapshot } = node;
      const live = snapshot.result.livePrefixes;
      const conflict = conflictOf(snapshot, n.id);
      return item(node, {
        label: L.shortName(n.name, group.prefix),
        description: L.networkDescription(n, group, live, conflict),
        tooltip: markdown(L.networkTooltip(n, group, live, conflict)),
        icon: conflict ? warningIcon() : icon('type-hierarchy'),
        // The containers DECNET did not create that are attached to it.
        collapsible: foreignEndpoints(group, snapshot).some((f) => f.network.id === n.id)
          ? vscode.TreeItemCollapsibleState.Collapsed
          : undefined,
        contextValue: ContextValues.network,
        accessibility: A.networkAccessibilityLabel(n, conflict),
      });
    }
    case 'dbBusy':
      return item(node, {
        label: L.Labels.dbBusy,
        description: L.dbBusyDescription(node.shownAt),
        tooltip: L.dbBusyTooltip(node.error.message, node.since, node.shownAt),
        icon: icon('sync~spin'),
        contextValue: ContextValues.dbBusy,
      });
    case 'error':
      return errorItem(node);
    case 'ignoredSetting':
      return item(node, {
        label: L.ignoredSettingLabel(node.setting.key),
        description: 'read from the Remote settings in this window',
        tooltip: L.ignoredSettingTooltip(node.setting.key, node.setting.value),
        icon: warningIcon(),
        collapsible: vscode.TreeItemCollapsibleState.Expanded,
        contextValue: ContextValues.ignoredSetting,
        accessibility: `${node.setting.key} in User settings is not used in this remote window`,
      });
    case 'action':
      return item(node, {
        label: node.label,
        icon: icon(node.icon),
        command: { command: node.command, title: node.label, arguments: node.args },
        contextValue: ContextValues.action,
      });
  }
}

function sectionItem(node: NodeOf<'section'>): vscode.TreeItem {
  const { section, groups, snapshot } = node;
  const { result, target } = snapshot;
  // An empty section has nothing to expand.
  const parts = { collapsible: groups.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None };
  switch (section) {
    case 'live':
      return item(node, {
        ...parts,
        label: L.sectionLabel(L.Labels.live, groups.length),
        contextValue: ContextValues.liveSection,
        icon: icon('pass'),
        tooltip: markdown(L.liveSectionTooltip(result.dbSource, target.db.origin, L.dockerWithDaemon(result))),
        accessibility: A.sectionAccessibilityLabel('Live topologies', groups.length),
      });
    case 'orphan':
      return item(node, {
        ...parts,
        label: L.sectionLabel(L.Labels.orphans, groups.length),
        contextValue: ContextValues.orphanSection,
        icon: groups.length ? warningIcon() : icon('pass'),
        tooltip: markdown(L.orphanSectionTooltip(result.dbSource, L.dockerWithDaemon(result))),
        accessibility: A.sectionAccessibilityLabel('Orphan groups', groups.length),
      });
    case 'misplaced':
      return item(node, {
        ...parts,
        label: L.sectionLabel(L.Labels.misplaced, groups.length),
        contextValue: ContextValues.misplacedSection,
        icon: groups.length ? warningIcon() : icon('pass'),
        tooltip: L.Labels.misplacedTooltip,
        accessibility: A.sectionAccessibilityLabel('Misplaced groups', groups.length),
      });
    case 'unknown':
      return item(node, {
        ...parts,
        label: L.sectionLabel(L.Labels.notClassified, groups.length),
        contextValue: ContextValues.unknownSection,
        icon: icon('question'),
        tooltip: L.Labels.notClassifiedTooltip,
        accessibility: A.sectionAccessibilityLabel('Not classified groups', groups.length),
      });
  }
}

function groupParts(group: Group, node: NodeOf<'group'>, lead: string | undefined): ItemParts {
  const { result } = node.snapshot;
  const conflicts = groupConflictList(group, node.snapshot);
  switch (group.state) {
    case 'live':
      if (group.misplaced) {
        // Known to the database, but it belongs on another host of the swarm: said first.
        return {
          label: L.misplacedGroupLabel(group),
          description: L.leading(lead, L.liveGroupDescription(group)),
          contextValue: ContextValues.misplacedGroup,
          icon: icon('arrow-swap', 'list.warningForeground'),
          tooltip: markdown(
            `${L.liveGroupTooltip(group, result.dbSource, result.host?.name)}\n\nFound on host ${W.code(result.host?.name ?? '')}; it belongs on ${W.code(group.misplaced.belongsOn)}.`,
          ),
        };
      }
      if (isTornDown(group)) {
        // DECNET keeps the row, so it is live; but what is left of it holds its subnets.
        return {
          label: L.tornDownGroupLabel(group),
          description: L.leading(lead, L.tornDownGroupDescription(group)),
          contextValue: ContextValues.tornDownGroup,
          icon: icon('history', 'list.warningForeground'),
          tooltip: markdown(L.tornDownGroupTooltip(group, result.dbSource, result.dockerEndpoint)),
        };
      }
      return {
        label: L.liveGroupLabel(group),
        description: L.leading(lead, L.liveGroupDescription(group)),
        contextValue: ContextValues.liveGroup,
        icon: icon('vm-running'),
        tooltip: markdown(L.liveGroupTooltip(group, result.dbSource, result.host?.name)),
      };
    case 'orphan':
      return {
        label: group.prefix,
        description: L.leading(lead, L.orphanGroupDescription(group)),
        contextValue: ContextValues.orphanGroup,
        // Not the trash icon: that is the row's remove button.
        icon: icon('circle-slash', 'list.warningForeground'),
        tooltip: markdown(L.orphanGroupTooltip(group, result.dbSource, result.dockerEndpoint, conflicts)),
      };
    default:
      return {
        label: group.prefix,
        description: L.leading(lead, L.orphanGroupDescription(group)),
        contextValue: ContextValues.unknownGroup,
        icon: icon('question'),
        tooltip: markdown(L.unknownGroupTooltip(group)),
      };
  }
}

/** The conflicts of a group's networks. */
function groupConflictList(group: Group, snapshot: NodeOf<'group'>['snapshot']): NetworkConflict[] {
  return group.networks.flatMap((n) => conflictOf(snapshot, n.id) ?? []);
}

function groupItem(node: NodeOf<'group'>): vscode.TreeItem {
  const conflicts = groupConflictList(node.group, node.snapshot);
  // Who its networks block (or how many conflicts) leads its description.
  const parts = groupParts(node.group, node, L.conflictLead(conflicts));
  // One of its networks blocks a topology's subnet (the network says which).
  if (conflicts.length) parts.icon = warningIcon();
  return item(node, {
    ...parts,
    collapsible: vscode.TreeItemCollapsibleState.Collapsed,
    accessibility: A.groupAccessibilityLabel(node.group, conflicts.length, L.blockedTopologies(conflicts)),
  });
}
