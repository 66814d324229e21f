import * as vscode from 'vscode';
import { plural } from '../words/common';
import { rowsOnOtherHosts, type ShownHost } from '../tree/rowArgs';

/** Says when rows selected on other hosts were left out of a removal (it acts on one host). */
export function tellRowsLeftOut(args: readonly unknown[], host: ShownHost | undefined): void {
  const n = rowsOnOtherHosts(args);
  if (!n || !host) return;
  void vscode.window.showInformationMessage(
    `DECNET: ${plural(n, 'row')} selected under other hosts ${n === 1 ? 'was' : 'were'} left out: a removal acts on one host, here ${host.name}.`,
  );
}
