// The one place that registers commands. Each command lives in commands/<verbNoun>.ts.
import * as vscode from 'vscode';
import { applyPlan } from './commands/applyPlan';
import { copySettingValue, openSettings } from './commands/openSettings';
import { findSubnetOverlaps } from './commands/findSubnetOverlaps';
import { reapAllOrphans, reapAllOrphansOnHost } from './commands/reapAllOrphans';
import { refreshTopologies } from './commands/refreshTopologies';
import { removeOrphanGroup } from './commands/removeOrphanGroup';
import { removeMisplacedGroup } from './commands/removeMisplacedGroup';
import { removeTornDownGroup } from './commands/removeTornDownGroup';
import { setHostEndpoint } from './commands/setHostEndpoint';
import { selectDatabase } from './commands/selectDatabase';
import { setMysqlPassword } from './commands/setMysqlPassword';
import { showOutput } from './commands/showOutput';
import { showRemovalHistory } from './commands/showRemovalHistory';
import {
  copyId,
  copyName,
  findOverlapsForSubnet,
  hideNetwork,
  inspect,
  revealFirstProblem,
  revealNetwork,
  showLogs,
} from './commands/resourceActions';
import { Commands } from './constants';
import { lostRow } from './tree/rowArgs';
import { describeError } from './log';
import { showErrorWithOutput } from './notify';
import type { Services } from './services';

type Handler = (services: Services, ...args: unknown[]) => unknown;

const handlers: Record<(typeof Commands)[keyof typeof Commands], Handler> = {
  [Commands.refreshTopologies]: refreshTopologies,
  [Commands.removeOrphanGroup]: removeOrphanGroup,
  [Commands.reapAllOrphans]: reapAllOrphans,
  [Commands.reapAllOrphansOnHost]: reapAllOrphansOnHost,
  [Commands.selectDatabase]: selectDatabase,
  [Commands.setMysqlPassword]: setMysqlPassword,
  [Commands.showOutput]: showOutput,
  [Commands.openSettings]: openSettings,
  [Commands.findSubnetOverlaps]: findSubnetOverlaps,
  [Commands.removeTornDownGroup]: removeTornDownGroup,
  [Commands.applyPlan]: applyPlan,
  [Commands.showRemovalHistory]: showRemovalHistory,
  [Commands.revealFirstProblem]: revealFirstProblem,
  [Commands.revealNetwork]: revealNetwork,
  [Commands.copyId]: copyId,
  [Commands.copyName]: copyName,
  [Commands.inspect]: inspect,
  [Commands.showLogs]: showLogs,
  [Commands.findOverlapsForSubnet]: findOverlapsForSubnet,
  [Commands.hideNetwork]: hideNetwork,
  [Commands.setHostEndpoint]: setHostEndpoint,
  [Commands.removeMisplacedGroup]: removeMisplacedGroup,
  [Commands.copySettingValue]: copySettingValue,
};

export function registerCommands(services: Services): vscode.Disposable[] {
  const log = services.log.for('commands');
  return Object.entries(handlers).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      if (lostRow(id, args)) {
        // Acting on another row (or asking which one) would surprise: say so, do nothing.
        log.info(`${id}: the row was refreshed while its menu was open; nothing done`);
        void vscode.window.showInformationMessage(
          'DECNET: the view was refreshed while that menu was open, so nothing was done. Open the menu again.',
        );
        return;
      }
      try {
        await handler(services, ...args);
      } catch (e) {
        // Nothing escapes as an unhandled rejection: full detail to the log, a short message to the user.
        log.error(`${id} failed: ${describeError(e)}`);
        showErrorWithOutput(services.log, `DECNET: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  );
}
