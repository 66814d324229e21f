// End-to-end harness: a real VS Code (code-server 4.100.3, VS Code 1.100.3) driven by headless
// Chromium through playwright-core. It installs a packaged .vsix exactly as a user would, opens
// a folder and offers page helpers that act like a person: open a view, read tree rows, expand
// a node, pick a context-menu item, answer a modal dialog, read an Output channel, run a
// command from the palette, change a user setting, take screenshots.
//
// Nothing here touches the developer's own VS Code, $HOME or Docker daemon: every folder is a
// fresh temp dir, and everything started is stopped by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { sleep } from '../support/time';

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

export interface TreeRow {
  label: string;
  description: string;
  ariaLabel: string;
  /** 1 for root rows. */
  level: number;
  /** undefined for leaves. */
  expanded: boolean | undefined;
  /** The row is selected. */
  selected: boolean;
}

/** A row as the eye sees it: the label and description as rendered, cut where the row cuts them. */
export interface VisibleRow {
  label: string;
  /** What of `label description` is in sight (an ellipsis hides the rest). */
  visible: string;
  level: number;
}

export interface DialogContent {
  message: string;
  detail: string;
  buttons: string[];
}

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
   * Workspace trust on, as VS Code ships it: the window asks whether to trust the folder
   * (answer with readDialog/answerDialog). Off by default, so that no prompt gets in the way.
   */
  workspaceTrust?: boolean;
}

const NBSP = /\u00a0/g;

/** The page's clipboard, as the e2e reads and writes it (the DOM types are not in this project). */
interface BrowserClipboard {
  navigator: { clipboard: { writeText(text: string): Promise<void>; readText(): Promise<string> } };
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e);
}
/** Text as shown, without non-breaking spaces. */
const clean = (s: string | null | undefined) => (s ?? '').replace(NBSP, ' ').trim();
/** For comparing titles: "…" and "..." are the same. */
const norm = (s: string | null | undefined) => clean(s).replace(/\u2026/g, '...');

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

/** Polls fn until it returns a truthy value; the error names what was awaited and the last value. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${describeError(lastError)}` : ''}`);
    }
    await sleep(intervalMs);
  }
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
  private settings: Record<SettingsTarget, Record<string, unknown>>;

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
    this.settings = settings;
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
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
      const page = await context.newPage();
      if (verbose) page.on('console', (m) => m.type() === 'error' && console.log(`[page] ${m.text()}`));
      const session = new CodeServer(proc, browser, context, page, url, root, settings, verbose);
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

  // ------------------------------------------------------------------------------------------
  // Views and trees

  /** Activity-bar entries (aria-labels). */
  async activityBarItems(): Promise<string[]> {
    return this.page.$$eval('.part.activitybar .action-item .action-label', (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  }

  /** Opens the activity-bar view container whose title starts with `title` (e.g. "DECNET"). */
  async openViewContainer(title: string): Promise<void> {
    this.step(`open view container ${title}`);
    const item = this.page.locator(`.part.activitybar .action-item .action-label[aria-label^="${title}"]`);
    let have: string[] = [];
    await waitFor(
      `activity bar item "${title}"`,
      async () => {
        have = await this.activityBarItems();
        return (await item.count()) > 0;
      },
      30_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; activity bar has: ${JSON.stringify(have)}`);
    });
    const checked = await item
      .first()
      .locator('xpath=..')
      .evaluate((e) => e.classList.contains('checked'));
    if (!checked) await item.first().click();
    await waitFor(`view container "${title}" to open`, async () => {
      const t = norm(await this.page.locator('.part.sidebar .composite.title .title-label').first().textContent());
      return t.toUpperCase().startsWith(title.toUpperCase());
    });
  }

  /** Drags the sash between the side bar and the editor so the side bar is `width` px wide. */
  async setSidebarWidth(width: number): Promise<void> {
    const p = this.page;
    const bar = await this.sidebar().boundingBox();
    if (!bar) throw new Error('the side bar is not shown');
    const edge = bar.x + bar.width;
    const sashes = p.locator('.monaco-sash.vertical');
    for (let i = 0; i < (await sashes.count()); i++) {
      const b = await sashes.nth(i).boundingBox();
      if (b && Math.abs(b.x + b.width / 2 - edge) < 6 && b.height > 100) {
        const y = b.y + b.height / 2;
        await p.mouse.move(b.x + b.width / 2, y);
        await p.mouse.down();
        await p.mouse.move(bar.x + width, y, { steps: 8 });
        await p.mouse.up();
        await p.waitForTimeout(300);
        return;
      }
    }
    throw new Error('no sash found at the side bar edge');
  }

  /** The pane bodies of the sidebar: the open view container's views. */
  private sidebar(): Locator {
    return this.page.locator('.part.sidebar');
  }

  /** Visible rows of the trees in the sidebar, top to bottom. */
  async readTree(): Promise<TreeRow[]> {
    // No named inner functions here: tsx (esbuild keepNames) would wrap them in a `__name`
    // helper that does not exist in the page.
    const rows = await this.sidebar()
      .locator('.pane-body .monaco-list-row')
      .evaluateAll((els) =>
        els.map((r) => ({
          top: parseFloat((r as unknown as { style: { top: string } }).style.top || '0'),
          label: r.querySelector('.label-name')?.textContent ?? '',
          description: r.querySelector('.label-description')?.textContent ?? '',
          ariaLabel: r.getAttribute('aria-label') ?? '',
          level: Number(r.getAttribute('aria-level') ?? '1'),
          expanded: r.getAttribute('aria-expanded'),
          selected: r.classList.contains('selected'),
        })),
      );
    return rows
      .sort((a, b) => a.top - b.top)
      .map((r) => ({
        label: clean(r.label),
        description: clean(r.description),
        ariaLabel: clean(r.ariaLabel),
        level: r.level,
        expanded: r.expanded === null ? undefined : r.expanded === 'true',
        selected: r.selected,
      }));
  }

  /**
   * The rows as they are seen: for each, the characters of its label and description whose glyphs
   * lie inside the row's label box, less the room the ellipsis takes when the text overflows
   * (measured glyph by glyph with DOM ranges, not read from the DOM string).
   */
  async visibleRows(): Promise<VisibleRow[]> {
    const rows = await this.sidebar()
      .locator('.pane-body .monaco-list-row')
      .evaluateAll((els) =>
        els.map((r) => {
          const doc = r.ownerDocument;
          const box = r.querySelector('.monaco-icon-label-container') ?? r.querySelector('.monaco-icon-label');
          const top = parseFloat((r as unknown as { style: { top: string } }).style.top || '0');
          const label = r.querySelector('.label-name')?.textContent ?? '';
          const level = Number(r.getAttribute('aria-level') ?? '1');
          if (!box) return { top, label, level, visible: '' };
          const right = box.getBoundingClientRect().right;
          const glyphs: { ch: string; right: number; part: number }[] = [];
          const parts = [r.querySelector('.label-name'), r.querySelector('.label-description')];
          for (let p = 0; p < parts.length; p++) {
            const el = parts[p];
            if (!el) continue;
            const walker = doc.createTreeWalker(el, 4 /* NodeFilter.SHOW_TEXT */);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              const text = node.textContent ?? '';
              for (let i = 0; i < text.length; i++) {
                const range = doc.createRange();
                range.setStart(node, i);
                range.setEnd(node, i + 1);
                const rect = range.getBoundingClientRect();
                glyphs.push({ ch: text[i], right: rect.width > 0 || text[i] === ' ' ? rect.right : Infinity, part: p });
              }
            }
          }
          const overflows = glyphs.some((g) => g.right > right + 0.5);
          // Where the text overflows, the ellipsis (about one wide glyph) covers its end.
          const limit = overflows ? right - 10 : right + 0.5;
          let visible = '';
          let lastPart = 0;
          for (const g of glyphs) {
            if (g.right > limit) break;
            if (g.part !== lastPart) visible += ' ';
            lastPart = g.part;
            visible += g.ch;
          }
          return { top, label, level, visible };
        }),
      );
    return rows.sort((a, b) => a.top - b.top).map((r) => ({ label: clean(r.label), visible: clean(r.visible), level: r.level }));
  }

  /** Clicks the CodeLens with this title (its text, icons aside) in the active editor. */
  async clickCodeLens(title: string | RegExp, timeoutMs = 15_000): Promise<void> {
    this.step(`CodeLens ${String(title)}`);
    const lens = this.page.locator('.part.editor .monaco-editor .codelens-decoration a', { hasText: title }).first();
    await lens.waitFor({ state: 'visible', timeout: timeoutMs });
    await lens.click();
  }

  /** The CodeLens titles shown in the active editor. */
  async codeLenses(timeoutMs = 15_000): Promise<string[]> {
    const lenses = this.page.locator('.part.editor .monaco-editor .codelens-decoration a');
    await lenses.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return (await lenses.allTextContents()).map(norm).filter(Boolean);
  }

  /** The titles of the open editor tabs. */
  async editorTabs(): Promise<string[]> {
    return (await this.page.locator('.part.editor .tabs-container .tab .label-name').allTextContents()).map(norm);
  }

  /** All text the sidebar's views show (rows, messages, welcome content). */
  async sidebarText(): Promise<string> {
    return clean(
      await this.sidebar()
        .locator('.pane-body')
        .evaluateAll((els) => els.map((e) => (e as unknown as { innerText: string }).innerText).join('\n')),
    );
  }

  /** Waits until a row with this label is shown and returns it. */
  async waitForRow(label: string | RegExp, timeoutMs = 20_000): Promise<TreeRow> {
    const match = (r: TreeRow) => (typeof label === 'string' ? r.label === label : label.test(r.label));
    let rows: TreeRow[] = [];
    return waitFor(
      `tree row ${String(label)} (rows: ${JSON.stringify(rows.map((r) => `${r.label} | ${r.description}`))})`,
      async () => {
        rows = await this.readTree();
        return rows.find(match);
      },
      timeoutMs,
    ).catch(async (e) => {
      rows = await this.readTree();
      throw new Error(
        `${(e as Error).message}\nrows now: ${JSON.stringify(
          rows.map((r) => `${'  '.repeat(r.level - 1)}${r.label} | ${r.description}`),
          null,
          1,
        )}`,
      );
    });
  }

  private rowLocator(label: string): Locator {
    return this.sidebar()
      .locator('.pane-body .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
      .first();
  }

  /**
   * Waits until the tree has shown the same rows for `quietMs`: VS Code forgets a row's command
   * arguments when the view refreshes, so a click while it refreshes does nothing (a user clicks
   * again).
   */
  async waitForTreeStable(quietMs = 1_500, timeoutMs = 20_000): Promise<void> {
    let last = '';
    let since = Date.now();
    await waitFor(
      `the tree to stay the same for ${quietMs} ms`,
      async () => {
        const now = JSON.stringify(await this.readTree());
        if (now !== last) {
          last = now;
          since = Date.now();
        }
        return Date.now() - since >= quietMs;
      },
      timeoutMs,
      100,
    );
  }

  /** Clicks the row with this label once the tree is settled (an action row runs its command). */
  async clickRow(label: string): Promise<void> {
    this.step(`click ${label}`);
    await this.waitForRow(label);
    await this.waitForTreeStable();
    await this.rowLocator(label).locator('.label-name').click();
  }

  /** Expands the row with this label (no-op when it is already expanded). */
  async expand(label: string): Promise<void> {
    this.step(`expand ${label}`);
    await this.waitForRow(label);
    const row = this.rowLocator(label);
    if ((await row.getAttribute('aria-expanded')) === 'true') return;
    await row.locator('.monaco-tl-twistie').click();
    await waitFor(`row "${label}" to expand`, async () => (await this.rowLocator(label).getAttribute('aria-expanded')) === 'true');
    await this.page.waitForTimeout(300);
  }

  /**
   * Right-clicks the row and returns the items its context menu offers (enabled ones), or null
   * when no menu opened: VS Code opens none for a row that is offered nothing. Throws when the
   * row did not take the right-click (VS Code focuses the row before it decides on a menu), so
   * that a menu that was never asked for cannot pass for an empty one.
   */
  async contextMenuItems(label: string): Promise<string[] | null> {
    try {
      await this.openContextMenu(label, 2_000);
    } catch (e) {
      const focused = /\bfocused\b/.test((await this.rowLocator(label).getAttribute('class')) ?? '');
      if (!focused) throw new Error(`row "${label}" did not take the right-click: ${describeError(e)}`, { cause: e });
      return null;
    }
    const items = await this.menuItems();
    await this.page.keyboard.press('Escape');
    await this.page
      .locator('.monaco-menu')
      .first()
      .waitFor({ state: 'detached', timeout: 5_000 })
      .catch(() => undefined);
    return items;
  }

  private async openContextMenu(label: string, timeoutMs = 5_000): Promise<void> {
    await this.waitForRow(label);
    const row = this.rowLocator(label);
    await row.locator('.label-name').click({ button: 'right' });
    await waitFor(`context menu of "${label}"`, async () => (await this.menuItems()).length > 0, timeoutMs);
  }

  private async menuItems(): Promise<string[]> {
    return this.page
      .locator('.monaco-menu .action-item:not(.disabled) .action-label')
      .evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ').trim()).filter(Boolean));
  }

  /**
   * Opens the row's context menu and picks `item` with the keyboard (ArrowDown until it has
   * focus, then Enter): mouse clicks in code-server's menus are not reliable.
   */
  async pickContextMenuItem(label: string, item: string): Promise<void> {
    this.step(`context menu of ${label} -> ${item}`);
    // A menu opened while the view refreshes hands its command no row (see waitForTreeStable).
    await this.waitForRow(label);
    await this.waitForTreeStable();
    await this.openContextMenu(label);
    const items = await this.menuItems();
    if (!items.some((i) => norm(i) === norm(item))) {
      await this.page.keyboard.press('Escape');
      throw new Error(`context menu of "${label}" has no "${item}"; it has: ${JSON.stringify(items)}`);
    }
    for (let i = 0; i < items.length + 2; i++) {
      await this.page.keyboard.press('ArrowDown');
      const focused = await this.page
        .locator('.monaco-menu .action-item.focused .action-label')
        .first()
        .textContent({ timeout: 1_000 })
        .catch(() => null);
      if (norm(focused) === norm(item)) {
        await this.page.keyboard.press('Enter');
        return;
      }
    }
    await this.page.keyboard.press('Escape');
    throw new Error(`could not focus "${item}" in the context menu of "${label}"`);
  }

  /** Inline action buttons shown on the row (their titles). */
  async inlineActions(label: string): Promise<string[]> {
    const row = this.rowLocator(label);
    await row.hover();
    return row
      .locator('.actions .action-label')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.getAttribute('title') ?? '').filter(Boolean));
  }

  // ------------------------------------------------------------------------------------------
  // Dialogs and notifications

  /** Waits for code-server's in-page modal dialog (`showWarningMessage(.., {modal: true})`). */
  async readDialog(timeoutMs = 15_000): Promise<DialogContent> {
    const box = this.page.locator('.monaco-dialog-box');
    await box.waitFor({ state: 'visible', timeout: timeoutMs });
    return {
      message: clean(await box.locator('.dialog-message-text').innerText()),
      detail: clean(
        await box
          .locator('.dialog-message-detail')
          .innerText()
          .catch(() => ''),
      ),
      buttons: (await box.locator('.dialog-buttons .monaco-button').allTextContents()).map(norm),
    };
  }

  /** Clicks the dialog button with this exact text and waits for the dialog to close. */
  async answerDialog(button: string): Promise<void> {
    this.step(`dialog -> ${button}`);
    const box = this.page.locator('.monaco-dialog-box');
    const buttons = box.locator('.dialog-buttons .monaco-button');
    const texts = (await buttons.allTextContents()).map(norm);
    const i = texts.indexOf(norm(button));
    if (i < 0) throw new Error(`dialog has no "${button}" button; it has: ${JSON.stringify(texts)}`);
    await buttons.nth(i).click();
    await box.waitFor({ state: 'detached', timeout: 10_000 });
  }

  /** Texts of the notification toasts shown now. */
  async notifications(): Promise<string[]> {
    return (await this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allInnerTexts()).map(norm);
  }

  /** Waits for a toast whose text matches and returns that text. */
  async waitForNotification(match: RegExp, timeoutMs = 60_000): Promise<string> {
    let seen: string[] = [];
    return waitFor(
      `a notification matching ${match}`,
      async () => {
        seen = await this.notifications();
        return seen.find((t) => match.test(t));
      },
      timeoutMs,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; notifications shown: ${JSON.stringify(seen)}`);
    });
  }

  /** The buttons of the toast whose text matches. */
  async notificationButtons(match: RegExp): Promise<string[]> {
    const toast = this.page
      .locator('.notifications-toasts .notification-toast', {
        has: this.page.locator('.notification-list-item-message', { hasText: match }),
      })
      .first();
    return (await toast.locator('.notification-list-item-buttons-container .monaco-button').allTextContents()).map(norm);
  }

  /** Clicks a button of the toast whose text matches. */
  async clickNotificationButton(match: RegExp, button: string): Promise<void> {
    this.step(`notification ${String(match)} -> ${button}`);
    const toast = this.page
      .locator('.notifications-toasts .notification-toast', {
        has: this.page.locator('.notification-list-item-message', { hasText: match }),
      })
      .first();
    await toast.locator('.notification-list-item-buttons-container .monaco-button', { hasText: button }).first().click();
  }

  /** Text of the status bar item with this id (`<publisher>.<name>.<id>` in the DOM), or undefined when hidden. */
  async statusBarText(match: RegExp): Promise<string | undefined> {
    const items = (await this.page.locator('.part.statusbar .statusbar-item').allInnerTexts()).map(norm);
    return items.find((t) => match.test(t));
  }

  /** Waits for a status bar item whose text matches. */
  async waitForStatusBar(match: RegExp, timeoutMs = 30_000): Promise<string> {
    return waitFor(`a status bar item matching ${match}`, () => this.statusBarText(match), timeoutMs).catch(async (e) => {
      const items = (await this.page.locator('.part.statusbar .statusbar-item').allInnerTexts()).map(norm);
      throw new Error(`${(e as Error).message}; status bar: ${JSON.stringify(items)}`);
    });
  }

  /** Clicks the status bar item whose text matches. */
  async clickStatusBar(match: RegExp): Promise<void> {
    this.step(`status bar ${String(match)}`);
    await this.page
      .locator('.part.statusbar .statusbar-item', { hasText: match })
      .first()
      .locator('a, .statusbar-item-label')
      .first()
      .click();
  }

  /** The open quick input: its title, prompt/validation message, and the labels of its rows (separators too). */
  async readQuickInput(timeoutMs = 15_000): Promise<{ title: string; message: string; rows: string[]; value: string }> {
    const widget = this.page.locator('.quick-input-widget');
    await widget.locator('.quick-input-box input').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.waitForTimeout(200);
    return {
      title: norm(
        await widget
          .locator('.quick-input-title')
          .textContent()
          .catch(() => ''),
      ),
      message: norm(
        await widget
          .locator('.quick-input-message')
          .innerText()
          .catch(() => ''),
      ),
      rows: (await widget.locator('.quick-input-list .monaco-list-row').allInnerTexts()).map((t) => norm(t.replace(/\s+/g, ' '))),
      value: await widget.locator('.quick-input-box input').inputValue(),
    };
  }

  /** Waits until the open quick input matches `what` (its title, message or rows). */
  async waitForQuickInput(what: RegExp, timeoutMs = 30_000): Promise<{ title: string; message: string; rows: string[]; value: string }> {
    let last = { title: '', message: '', rows: [] as string[], value: '' };
    return waitFor(
      `a quick input matching ${what}`,
      async () => {
        last = await this.readQuickInput(2_000).catch(() => last);
        return what.test([last.title, last.message, ...last.rows].join('\n')) ? last : undefined;
      },
      timeoutMs,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; quick input now: ${JSON.stringify(last)}`);
    });
  }

  /** Types into the open quick input (replacing its text) and presses Enter. */
  async answerInput(text: string): Promise<void> {
    this.step(`input ${text}`);
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('');
    await this.page.keyboard.insertText(text);
    await this.page.waitForTimeout(200);
    await this.page.keyboard.press('Enter');
  }

  /** Types into the open quick input without accepting it. */
  async typeInput(text: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('');
    await this.page.keyboard.insertText(text);
    await this.page.waitForTimeout(200);
  }

  /** In the open quick pick, focuses the row whose label starts with `label` and presses Enter. */
  async pickQuickInputRow(label: string): Promise<void> {
    this.step(`pick ${label}`);
    const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    const labels = (await rows.locator('.label-name').allTextContents()).map(norm);
    const want = labels.find((l) => l.startsWith(norm(label)));
    if (!want) throw new Error(`no row "${label}" in the quick pick; it has ${JSON.stringify(labels)}`);
    await this.focusQuickInputRow(want);
    await this.page.keyboard.press('Enter');
  }

  /** In a multi-select quick pick: unticks the rows whose label is not in `keep`, then accepts. */
  async keepOnlyPicked(keep: readonly string[]): Promise<void> {
    this.step(`keep picked ${keep.join(', ')}`);
    const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    const n = await rows.count();
    for (let i = 0; i < n; i++) {
      const row = rows.nth(i);
      const label = norm(await row.locator('.label-name').first().textContent());
      const toggle = row.locator('.monaco-custom-toggle').first();
      const checked = async () =>
        (await row.getAttribute('aria-checked')) === 'true' ||
        /\bchecked\b/.test((await toggle.getAttribute('class').catch(() => '')) ?? '');
      const want = keep.includes(label);
      if ((await checked()) !== want) {
        // A click on the row's label toggles its checkbox.
        await row.locator('.quick-input-list-label').first().click();
        await waitFor(`row "${label}" to be ${want ? 'ticked' : 'unticked'}`, async () => (await checked()) === want, 5_000);
      }
    }
    // Enter in the filter box accepts what is ticked.
    await this.page.locator('.quick-input-widget .quick-input-box input').click();
    await this.page.keyboard.press('Enter');
  }

  /** The text of the active editor (what is rendered of it). */
  async activeEditorText(): Promise<{ title: string; text: string }> {
    const title = norm(await this.page.locator('.part.editor .tabs-container .tab.active').textContent());
    const text = await this.page
      .locator('.part.editor .editor-instance .monaco-editor .view-lines')
      .first()
      .evaluate((el) =>
        [...(el.querySelectorAll('.view-line') as unknown as Iterable<{ style: { top: string }; textContent: string | null }>)]
          .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
          .map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '))
          .join('\n'),
      );
    return { title, text };
  }

  /** Selects the rows with these labels (click, then Ctrl+click). */
  async selectRows(labels: readonly string[]): Promise<void> {
    this.step(`select ${labels.join(', ')}`);
    for (const [i, label] of labels.entries()) {
      await this.waitForRow(label);
      await this.rowLocator(label)
        .locator('.label-name')
        .click({ modifiers: i === 0 ? [] : ['Control'] });
    }
  }

  /** Right-clicks the row (keeping the selection) and picks `item`. */
  async pickContextMenuItemKeepingSelection(label: string, item: string): Promise<void> {
    await this.pickContextMenuItem(label, item);
  }

  // ------------------------------------------------------------------------------------------
  // Commands, output, settings

  /** Runs a command from the palette (F1) by its exact title, e.g. "Output: Show Output Channels...". */
  async runCommand(title: string, opts: { startsWith?: boolean } = {}): Promise<void> {
    this.step(`command ${title}`);
    await this.pickFromQuickInput(() => this.page.keyboard.press('F1'), title, title, opts.startsWith ?? false);
  }

  /** Opens a quick input (by `open`), types `filter`, and accepts the row labelled `label`. */
  private async pickFromQuickInput(open: () => Promise<void>, filter: string, label: string, startsWith: boolean): Promise<void> {
    const p = this.page;
    await p.keyboard.press('Escape');
    await open();
    const input = p.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await p.keyboard.insertText(filter.replace(/\.\.\.$|\u2026$/, ''));
    const rows = p.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    const wanted = norm(label);
    const want = await waitFor(
      `"${label}" in the quick input`,
      async () =>
        (await rows.locator('.label-name').allTextContents()).map(norm).find((l) => (startsWith ? l.startsWith(wanted) : l === wanted)),
      15_000,
    ).catch(async (e) => {
      const labels = (await rows.locator('.label-name').allTextContents()).map(norm);
      await p.keyboard.press('Escape');
      throw new Error(`${(e as Error).message}; offered: ${JSON.stringify(labels)}`);
    });
    await this.focusQuickInputRow(want);
    const typed = await input.inputValue();
    await p.keyboard.press('Enter');
    // Closed, or replaced by the command's own quick pick.
    await waitFor(
      'the command to take the quick input',
      async () => !(await input.isVisible()) || (await input.inputValue()) !== typed,
      5_000,
    ).catch(() => undefined);
  }

  /** Moves the quick input's focus with the keyboard to the row labelled `want`. */
  private async focusQuickInputRow(want: string): Promise<void> {
    const focusedLabel = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused .label-name').first();
    for (let i = 0; i < 50; i++) {
      if (norm(await focusedLabel.textContent({ timeout: 1_000 }).catch(() => '')) === want) return;
      await this.page.keyboard.press('ArrowDown');
    }
    throw new Error(`could not focus "${want}" in the quick input`);
  }

  /** Shows the Output panel on the channel with this name. */
  async showOutputChannel(name: string): Promise<void> {
    this.step(`output channel ${name}`);
    await this.runCommand('Output: Show Output Channels...');
    // The command opens a second quick pick listing the channels.
    const p = this.page;
    const input = p.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await p.keyboard.type(name);
    const rows = p.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    await waitFor(
      `output channel "${name}" in the list`,
      async () => (await rows.locator('.label-name').allTextContents()).map(norm).includes(name),
      15_000,
    ).catch(async (e) => {
      const labels = (await rows.locator('.label-name').allTextContents()).map(norm);
      await p.keyboard.press('Escape');
      throw new Error(`${(e as Error).message}; channels: ${JSON.stringify(labels)}`);
    });
    await this.focusQuickInputRow(name);
    await p.keyboard.press('Enter');
    await p.locator('.part.panel .monaco-editor').first().waitFor({ state: 'visible', timeout: 10_000 });
    await p.waitForTimeout(500);
  }

  /**
   * The whole text of an Output channel: shows it, selects all in its editor and copies it
   * (the clipboard holds every line, where the DOM only renders the visible ones). Falls back
   * to the rendered `.view-lines` text when the clipboard is unavailable.
   */
  async readOutputChannel(name: string): Promise<string> {
    await this.showOutputChannel(name);
    const p = this.page;
    const editor = p.locator('.part.panel .monaco-editor').first();
    const box = await editor.boundingBox();
    if (!box) throw new Error('the Output panel has no editor');
    await p.mouse.click(box.x + 40, box.y + 8);
    await p.keyboard.press('Control+A');
    await p.evaluate(() => (globalThis as unknown as BrowserClipboard).navigator.clipboard.writeText('')).catch(() => undefined);
    await p.keyboard.press('Control+C');
    const copied = await waitFor(
      'clipboard text',
      () => p.evaluate(() => (globalThis as unknown as BrowserClipboard).navigator.clipboard.readText()),
      3_000,
    ).catch(() => '');
    // Drop the selection again so screenshots show plain text.
    await p.keyboard.press('Control+End');
    if (copied) return copied.replace(NBSP, ' ');
    return this.visibleOutputText();
  }

  /** Scrolls the Output panel (mouse wheel) so the first line containing `text` is at its top. */
  async scrollOutputTo(text: string): Promise<void> {
    const p = this.page;
    const editor = p.locator('.part.panel .monaco-editor').first();
    const box = await editor.boundingBox();
    if (!box) throw new Error('the Output panel has no editor');
    await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const lineTop = () =>
      editor
        .locator('.view-line', { hasText: text })
        .first()
        .boundingBox({ timeout: 200 })
        .then(
          (b) => b?.y,
          () => undefined,
        );
    // From the bottom up until the line is rendered, then put it at the top.
    for (let i = 0; i < 200 && (await lineTop()) === undefined; i++) {
      await p.mouse.wheel(0, -box.height / 2);
      await p.waitForTimeout(50);
    }
    const y = await lineTop();
    if (y === undefined) throw new Error(`"${text}" is not in the Output panel`);
    await p.mouse.wheel(0, y - box.y);
    await p.waitForTimeout(200);
  }

  /** The Output panel's rendered lines (only what is scrolled into view). */
  async visibleOutputText(): Promise<string> {
    return this.page
      .locator('.part.panel .monaco-editor .view-lines')
      .first()
      .evaluate((el) =>
        [...(el.querySelectorAll('.view-line') as unknown as Iterable<{ style: { top: string }; textContent: string | null }>)]
          .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
          .map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '))
          .join('\n'),
      );
  }

  /**
   * Merges `patch` into the user or remote settings (undefined deletes a key) the way a user
   * does it: "Preferences: Open User Settings (JSON)" (or "Open Remote Settings (JSON)"),
   * replace the text, save, close. code-server does not notice a settings.json rewritten
   * behind its back, so writing the file is not enough.
   */
  async updateSettings(patch: Record<string, unknown>, target: SettingsTarget = 'user'): Promise<void> {
    this.step(`${target} settings ${JSON.stringify(patch)}`);
    const next = { ...this.settings[target] };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    const text = JSON.stringify(next, null, 2);
    const p = this.page;
    // Toasts left by earlier steps can take the focus from the editor.
    await this.runCommand('Notifications: Clear All Notifications');
    if (target === 'user') await this.runCommand('Preferences: Open User Settings (JSON)');
    // The remote one is titled after the host: "Preferences: Open Remote Settings (JSON) (127.0.0.1:port)".
    else await this.runCommand('Preferences: Open Remote Settings (JSON)', { startsWith: true });
    const tab = p.locator('.part.editor .tabs-container .tab.active');
    await waitFor('the settings editor', async () => /settings\.json/i.test((await tab.textContent()) ?? ''), 15_000);
    const editor = p.locator('.part.editor .editor-instance .monaco-editor').first();
    await editor.locator('.view-lines').waitFor({ state: 'visible', timeout: 10_000 });
    const box = await editor.boundingBox();
    if (!box) throw new Error('the settings editor has no size');
    await p.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await p.keyboard.press('Control+A');
    await p.evaluate((t) => (globalThis as unknown as BrowserClipboard).navigator.clipboard.writeText(t), text);
    await p.keyboard.press('Control+V');
    await p.keyboard.press('Control+S');
    const file = join(this.userDataDir, target === 'user' ? 'User' : 'Machine', 'settings.json');
    await waitFor(
      `${file} to hold the new settings`,
      async () => JSON.stringify(JSON.parse(await readFile(file, 'utf8'))) === JSON.stringify(next),
      10_000,
    );
    await waitFor('settings.json to be saved', async () => !(await tab.evaluate((e) => e.classList.contains('dirty'))), 10_000);
    this.settings[target] = next;
    await this.runCommand('View: Close Editor');
  }

  async screenshot(path: string): Promise<string> {
    await mkdir(dirname(path), { recursive: true });
    await this.page.screenshot({ path });
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

export type SettingsTarget = 'user' | 'remote';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
