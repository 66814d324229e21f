// Every id the extension shares with package.json, in one place. Keep the two in step.

export const TOPOLOGIES_VIEW_ID = 'decnet.views.topologies';
export const OUTPUT_CHANNEL_NAME = 'DECNET Reaper';

export const Commands = {
  refreshTopologies: 'decnet.topologies.refresh',
  removeOrphanGroup: 'decnet.orphanGroup.remove',
  reapAllOrphans: 'decnet.orphans.reapAll',
  /** The Orphans section's inline button: that section's daemon (in a swarm, its host). */
  reapAllOrphansOnHost: 'decnet.orphans.reapAllOnHost',
  selectDatabase: 'decnet.database.select',
  setMysqlPassword: 'decnet.database.setPassword',
  showOutput: 'decnet.output.show',
  openSettings: 'decnet.settings.open',
  findSubnetOverlaps: 'decnet.overlaps.find',
  removeTornDownGroup: 'decnet.tornDownGroup.remove',
  applyPlan: 'decnet.plan.apply',
  showRemovalHistory: 'decnet.audit.showHistory',
  /** The status bar's click: the view, with the first problem selected. */
  revealFirstProblem: 'decnet.topologies.revealProblem',
  revealNetwork: 'decnet.network.reveal',
  copyId: 'decnet.resource.copyId',
  copyName: 'decnet.resource.copyName',
  inspect: 'decnet.resource.inspect',
  showLogs: 'decnet.container.showLogs',
  findOverlapsForSubnet: 'decnet.network.findOverlaps',
  hideNetwork: 'decnet.network.hide',
  setHostEndpoint: 'decnet.fleet.setEndpoint',
  removeMisplacedGroup: 'decnet.misplacedGroup.remove',
  /** From the row of a setting not applied in this window: copies the value to put in the Remote settings. */
  copySettingValue: 'decnet.setting.copyValue',
} as const;

/** The review document's decisions (see planReview.ts): its CodeLens and its editor title bar. */
export const ReviewCommands = {
  remove: 'decnet.planReview.remove',
  save: 'decnet.planReview.save',
  cancel: 'decnet.planReview.cancel',
} as const;

/** Setting keys: the section and the keys below it, as `getConfiguration(SETTINGS_SECTION).get(key)` wants them. */
export const SETTINGS_SECTION = 'decnet';
export const Settings = {
  databaseType: 'database.type',
  databasePath: 'database.path',
  databaseUrl: 'database.url',
  dockerHost: 'docker.host',
  fleetEndpoints: 'fleet.endpoints',
  fleetTimeoutSeconds: 'fleet.timeoutSeconds',
  requestTimeoutSeconds: 'requestTimeoutSeconds',
  pollIntervalSeconds: 'refresh.pollIntervalSeconds',
  statusBarAlwaysShow: 'statusBar.alwaysShow',
  auditLogPath: 'audit.logPath',
  auditEnabled: 'audit.enabled',
} as const;
/** Full keys, for `affectsConfiguration` and the settings search box. */
export const FullSettings = {
  databaseType: `${SETTINGS_SECTION}.${Settings.databaseType}`,
  databasePath: `${SETTINGS_SECTION}.${Settings.databasePath}`,
  databaseUrl: `${SETTINGS_SECTION}.${Settings.databaseUrl}`,
  dockerHost: `${SETTINGS_SECTION}.${Settings.dockerHost}`,
  fleetEndpoints: `${SETTINGS_SECTION}.${Settings.fleetEndpoints}`,
  fleetTimeoutSeconds: `${SETTINGS_SECTION}.${Settings.fleetTimeoutSeconds}`,
  requestTimeoutSeconds: `${SETTINGS_SECTION}.${Settings.requestTimeoutSeconds}`,
  pollIntervalSeconds: `${SETTINGS_SECTION}.${Settings.pollIntervalSeconds}`,
  statusBarAlwaysShow: `${SETTINGS_SECTION}.${Settings.statusBarAlwaysShow}`,
  auditLogPath: `${SETTINGS_SECTION}.${Settings.auditLogPath}`,
  auditEnabled: `${SETTINGS_SECTION}.${Settings.auditEnabled}`,
} as const;

export const ContextKeys = {
  /** True when no DECNET database location was found at all: the view shows its welcome content. */
  noDatabase: 'decnet.noDatabase',
  /** `sqlite`, `mysql`, `none` or `invalid`: Set MySQL Password… shows in the palette only for `mysql`. */
  databaseKind: 'decnet.databaseKind',
  /** The plan under review can be saved (Save Plan… in its editor's title bar). */
  planReviewCanSave: 'decnet.planReviewCanSave',
} as const;

/** `contextValue`s of tree items, matched by `viewItem == …` in package.json menus. */
export const ContextValues = {
  liveSection: 'liveSection',
  orphanSection: 'orphanSection',
  unknownSection: 'unknownSection',
  misplacedSection: 'misplacedSection',
  misplacedGroup: 'misplacedGroup',
  host: 'host',
  hostUnreachable: 'hostUnreachable',
  liveGroup: 'liveGroup',
  orphanGroup: 'orphanGroup',
  /** A live group whose topology row says `torn_down`: its resources are leftovers. */
  tornDownGroup: 'tornDownGroup',
  unknownGroup: 'unknownGroup',
  foreignSection: 'foreignSection',
  blockedSection: 'blockedSection',
  /** A LAN blocked by an orphan's network: offers Reveal and Force Remove. */
  blockedByOrphan: 'blocked.orphan',
  /** A LAN blocked by a torn-down topology's leftover: offers Reveal and Remove Leftovers. */
  blockedByTornDown: 'blocked.tornDown',
  /** In a swarm, a LAN blocked by a misplaced topology's network: offers Reveal and Remove Misplaced Group. */
  blockedByMisplaced: 'blocked.misplaced',
  /** A LAN blocked by a network the reaper never removes: offers Reveal. */
  blocked: 'blocked',
  foreignEndpoint: 'foreignEndpoint',
  foreignNetwork: 'foreignNetwork',
  /** A foreign network shown only because Find Subnet Overlaps… picked it: it can be hidden again. */
  pinnedForeignNetwork: 'foreignNetwork.pinned',
  container: 'container',
  network: 'network',
  dbError: 'dbError',
  dockerError: 'dockerError',
  action: 'action',
  loading: 'loading',
  dbBusy: 'dbBusy',
  scanFailed: 'scanFailed',
  ignoredSetting: 'ignoredSetting',
} as const;

/** The modal's confirm button: nothing is removed unless the user picks exactly this. */
export const REMOVE_ACTION = 'Remove';
/** The modal's first (default) button: shows the plan in an editor and asks again; never removes. */
export const REVIEW_ACTION = 'Review Plan in Editor';
export const SHOW_OUTPUT_ACTION = 'Show Output';
export const SHOW_REPORT_ACTION = 'Show Report';
