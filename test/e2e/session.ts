// An end-to-end session: a real VS Code (code-server 4.100.3, VS Code 1.100.3) driven by headless
// Chromium through playwright-core. It installs a packaged .vsix exactly as a user would and opens
// a folder; the workbench's parts are page objects (test/e2e/pages) that act like a person:
//
//   session.tree           the Topologies view: open it, read and expand rows, click, select
//   session.menus          a row's context menu, the active editor's CodeLenses
//   session.dialog         modal dialogs (confirmations, the trust question)
//   session.quickInput     quick picks, input boxes, code-server's simple file dialog
//   session.palette        commands run from the palette (F1)
//   session.notifications  toasts and their buttons
//   session.statusBar      status bar items
//   session.editors        the active editor's text, the open tabs
//   session.output         the Output panel
//   session.settings       the user and remote settings, edited as a user does
//
// Nothing here touches the developer's own VS Code, $HOME or Docker daemon: every folder is a
// fresh temp dir, and everything started is stopped by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { sleep } from '../support/time';
import { type StepLog, waitFor } from './pages/base';
import { Dialog } from './pages/dialog';
import { Editors, OutputPanel, Settings, type SettingsTarget } from './pages/editors';
import { Menus } from './pages/menus';
import { Notifications } from './pages/notifications';
import { Palette, QuickInput } from './pages/quickInput';
import { StatusBar } from './pages/statusBar';
import { Tree } from './pages/tree';

export const CODE_SERVER_VERSION = '4.100.3';

/** Where scripts/install-e2e-deps.sh puts code-server (or $DECNET_E2E_CODE_SERVER). */
export function codeServerBinary(): string {
  const explicit = process.env.DECNET_E2E_CODE_SERVER;
  const cache = process.env.DECNET_E2E_CACHE || '/var/cache/decnet-reaper-e2e';
  const bin = explicit || join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
  if (!existsSync(bin)) {
    throw new Error(`code-server not found at ${bin}: run scripts/install-e2e-deps.sh first`);
  }
  return bin;
}

export const CHROMIUM = process.env.DECNET_E2E_CHROMIUM || '/usr/bin/chromium';

/** Settings every session gets: no start-up editor, no trust prompt, nothing phoning home. */
export const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'update.mode': 'none',
  // Output channels: one logical line per visual line, so text is read back whole.
  '[Log]': { 'editor.wordWrap': 'off' },
  '[log]': { 'editor.wordWrap': 'off' },
};

export interface StartOptions {
  /** The folder the window opens. */
  folder: string;
  /** A .vsix to install before start-up. */
  vsix?: string;
  /** User settings, merged over BASE_SETTINGS. */
  settings?: Record<string, unknown>;
  /**
   * Remote settings (`<user-data-dir>/Machine/settings.json`). code-server is a remote window:
   * settings of `machine` scope apply only from here (its Settings UI lists them only under
   * the "Remote" tab), and VS Code drops them from the user settings at the first reload.
   */
  remoteSettings?: Record<string, unknown>;
  /** Extra environment for code-server (and so the extension host). */
  env?: Record<string, string>;
  viewport?: { width: number; height: number };
  /** Printed with every step when set (or DECNET_E2E_VERBOSE=1). */
  verbose?: boolean;
  /**
   * Records a Playwright trace (a screenshot and a DOM snapshot of every action) from start-up on,
   * for saveTrace() to write (or DECNET_E2E_TRACE=1).
   */
  trace?: boolean;
  /**
   * Workspace trust on, as VS Code ships it: the window asks whether to trust the folder
   * (answer with session.dialog.read/answer). Off by default, so that no prompt gets in the way.
   */
  workspaceTrust?: boolean;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion, collecting its output; rejects on a non-zero exit. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

export class CodeServer {
  readonly page: Page;
  readonly url: string;
  readonly root: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** code-server's own output (server log), for failure reports. */
  log = '';
  /** A Playwright trace is being recorded (StartOptions.trace). */
  private tracing = false;

  readonly tree: Tree;
  readonly menus: Menus;
  readonly dialog: Dialog;
  readonly quickInput: QuickInput;
  readonly palette: Palette;
  readonly notifications: Notifications;
  readonly statusBar: StatusBar;
  readonly editors: Editors;
  readonly output: OutputPanel;
  readonly settings: Settings;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly browser: Browser,
    private readonly context: BrowserContext,
    page: Page,
    url: string,
    root: string,
    settings: Record<SettingsTarget, Record<string, unknown>>,
    private readonly verbose: boolean,
  ) {
    this.page = page;
    this.url = url;
    this.root = root;
    this.userDataDir = join(root, 'user-data');
    this.extensionsDir = join(root, 'extensions');
    const step: StepLog = (msg) => this.step(msg);
    this.tree = new Tree(page, step);
    this.menus = new Menus(page, step, this.tree);
    this.dialog = new Dialog(page, step);
    this.quickInput = new QuickInput(page, step);
    this.palette = new Palette(page, step, this.quickInput);
    this.notifications = new Notifications(page, step);
    this.statusBar = new StatusBar(page, step);
    this.editors = new Editors(page, step);
    this.output = new OutputPanel(page, step, this.palette);
    this.settings = new Settings(page, step, this.palette, this.userDataDir, settings);
  }

  /**
   * Installs the .vsix, writes the user settings, starts code-server on a free loopback port
   * and opens the folder in headless Chromium; resolves once the workbench is ready. Whatever
   * was started is stopped again if start-up fails.
   */
  static async start(opts: StartOptions): Promise<CodeServer> {
    const bin = codeServerBinary();
    const verbose = opts.verbose ?? process.env.DECNET_E2E_VERBOSE === '1';
    const root = await mkdtemp(join(tmpdir(), 'decnet-e2e-code-server-'));
    liveRoots.add(root);
    const userDataDir = join(root, 'user-data');
    const extensionsDir = join(root, 'extensions');
    const xdg = join(root, 'xdg');
    await mkdir(join(userDataDir, 'User'), { recursive: true });
    await mkdir(extensionsDir, { recursive: true });
    await mkdir(xdg, { recursive: true });
    const configFile = join(root, 'config.yaml');
    await writeFile(configFile, 'auth: none\ncert: false\n');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // code-server keeps config, logs and a heartbeat under the XDG dirs: keep them in root.
      XDG_CONFIG_HOME: xdg,
      XDG_DATA_HOME: xdg,
      XDG_CACHE_HOME: xdg,
      ...opts.env,
    };
    delete env.VSCODE_IPC_HOOK_CLI;
    const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

    let proc: ChildProcess | undefined;
    let browser: Browser | undefined;
    let log = '';
    try {
      if (opts.vsix) {
        const out = await run(bin, [...common, '--install-extension', opts.vsix, '--force'], env, 120_000);
        if (verbose) console.log(out);
        if (!/successfully installed/i.test(out)) throw new Error(`installing ${opts.vsix} failed:\n${out}`);
      }
      const trust = opts.workspaceTrust ? { 'security.workspace.trust.enabled': true } : {};
      const settings = { user: { ...BASE_SETTINGS, ...trust, ...opts.settings }, remote: { ...opts.remoteSettings } };
      await writeFile(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings.user, null, 2));
      await mkdir(join(userDataDir, 'Machine'), { recursive: true });
      await writeFile(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(settings.remote, null, 2));

      const port = await freePort();
      proc = spawn(
        bin,
        [
          ...common,
          '--bind-addr',
          `127.0.0.1:${port}`,
          '--auth',
          'none',
          '--disable-telemetry',
          '--disable-update-check',
          ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
          '--disable-getting-started-override',
          '--ignore-last-opened',
        ],
        // Its own process group, so stop() ends code-server with every process it forked
        // (extension host, file watcher, pty host) and nothing else.
        { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      if (proc.pid) liveGroups.add(proc.pid);
      proc.stdout!.on('data', (d) => {
        log += d;
        if (verbose) process.stdout.write(`[code-server] ${d}`);
      });
      proc.stderr!.on('data', (d) => {
        log += d;
        if (verbose) process.stdout.write(`[code-server] ${d}`);
      });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        `code-server to listen on ${url} (log so far:\n${log})`,
        async () => {
          if (proc!.exitCode !== null) throw new Error(`code-server exited with ${proc!.exitCode}:\n${log}`);
          const res = await fetch(`${url}/healthz`).catch(() => undefined);
          return res?.ok;
        },
        30_000,
      );

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        // Chromium keeps crash reports under $XDG_CONFIG_HOME/chromium: keep them in root too.
        env: { ...process.env, XDG_CONFIG_HOME: xdg, XDG_CACHE_HOME: xdg, HOME: process.env.HOME ?? root },
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
      const trace = opts.trace ?? process.env.DECNET_E2E_TRACE === '1';
      if (trace) await context.tracing.start({ screenshots: true, snapshots: true });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
      const page = await context.newPage();
      if (verbose) page.on('console', (m) => m.type() === 'error' && console.log(`[page] ${m.text()}`));
      const session = new CodeServer(proc, browser, context, page, url, root, settings, verbose);
      session.tracing = trace;
      proc.stdout!.on('data', (d) => (session.log += d));
      proc.stderr!.on('data', (d) => (session.log += d));
      session.log = log;
      await page.goto(`${url}/?folder=${encodeURIComponent(opts.folder)}`);
      await session.waitForWorkbench();
      return session;
    } catch (e) {
      await browser?.close().catch(() => undefined);
      if (proc) await killGroup(proc);
      await rm(root, { recursive: true, force: true }).catch(() => undefined);
      liveRoots.delete(root);
      throw e;
    }
  }

  private step(msg: string) {
    if (this.verbose) console.log(`[e2e ${new Date().toISOString().slice(11, 23)}] ${msg}`);
  }

  /** The workbench is up and the remote extension host answered (the Explorer shows the folder). */
  async waitForWorkbench(): Promise<void> {
    const p = this.page;
    await p.waitForSelector('.monaco-workbench .part.activitybar', { timeout: 90_000 });
    await p.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 30_000 });
    await p.waitForSelector('.part.sidebar .explorer-folders-view, .part.sidebar .pane-body', { timeout: 30_000 });
    // Give the extension host time to register contributions before the first interaction.
    await p.waitForTimeout(1_000);
  }

  async screenshot(path: string): Promise<string> {
    await mkdir(dirname(path), { recursive: true });
    await this.page.screenshot({ path });
    return path;
  }

  /**
   * Writes the Playwright trace recorded so far to `path` and stops recording; undefined when none
   * is recorded (see StartOptions.trace). Read it with `npx playwright-core show-trace <path>`.
   */
  async saveTrace(path: string): Promise<string | undefined> {
    if (!this.tracing) return undefined;
    this.tracing = false;
    await mkdir(dirname(path), { recursive: true });
    await this.context.tracing.stop({ path });
    return path;
  }

  /** Stops Chromium and code-server (with its extension host) and removes the temp dirs. */
  async stop(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    await killGroup(this.proc);
    await rm(this.root, { recursive: true, force: true }).catch(() => undefined);
    liveRoots.delete(this.root);
  }
}

// code-server runs in its own process group, so a Ctrl+C or a killed test process would not
// reach it: end every group still running when this process goes.
const liveGroups = new Set<number>();
const liveRoots = new Set<string>();
const exitHooks: Array<() => void> = [];

/**
 * Registers a synchronous clean-up for when this process ends without its `after` hooks (a
 * signal); it also runs at a normal exit, so it must be a no-op once the hooks have cleaned up.
 */
export function onExitSync(fn: () => void): void {
  exitHooks.push(fn);
}

function killLiveGroupsNow(): void {
  for (const fn of exitHooks.splice(0)) {
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
  for (const root of liveRoots) rmSync(root, { recursive: true, force: true });
  liveRoots.clear();
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  liveGroups.clear();
}
process.on('exit', killLiveGroupsNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killLiveGroupsNow();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const)[signal]);
  });
}

/** Ends the process group of a child started with `detached: true`: TERM, then KILL. */
async function killGroup(proc: ChildProcess): Promise<void> {
  const pid = proc.pid;
  if (!pid) return;
  liveGroups.delete(pid);
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 40 && alive(); i++) await sleep(250);
  if (alive()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
