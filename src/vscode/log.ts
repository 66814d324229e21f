// One log output channel for the whole extension; every line carries a `[component]` prefix.
import * as vscode from 'vscode';
import { escapeTerminal } from '../core/textSafe';
import { OUTPUT_CHANNEL_NAME } from './constants';

export interface ComponentLog {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  }

  /** A logger whose lines start with `[component]`. */
  for(component: string): ComponentLog {
    const tag = `[${component}]`;
    const channel = this.channel;
    // Names and messages from Docker or the database may hold control characters: escaped.
    return {
      trace: (m) => channel.trace(`${tag} ${escapeTerminal(m)}`),
      debug: (m) => channel.debug(`${tag} ${escapeTerminal(m)}`),
      info: (m) => channel.info(`${tag} ${escapeTerminal(m)}`),
      warn: (m) => channel.warn(`${tag} ${escapeTerminal(m)}`),
      error: (e) => channel.error(`${tag} ${escapeTerminal(describeError(e))}`),
    };
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** The full detail of an error, for the output channel (never for a notification). */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    return e.stack ?? `${e.name}: ${e.message}`;
  }
  return String(e);
}
