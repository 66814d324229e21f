// package.json against the code, both ways: a command, view, setting, context key or row kind
// declared in the manifest that the code never uses is dead weight a user can still see (a
// palette entry that does nothing, a setting that changes nothing); one the code uses that the
// manifest does not declare is a menu that never shows or a setting VS Code calls unknown.
// Also: the sources import one another without a cycle.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROW_COMMANDS } from '../../src/vscode/tree/rowArgs';
import { Commands, ContextKeys, ContextValues, FullSettings, ReviewCommands, TOPOLOGIES_VIEW_ID } from '../../src/vscode/constants';

const ROOT = resolve(__dirname, '../..');

interface Manifest {
  activationEvents?: string[];
  contributes: {
    viewsContainers: { activitybar: { id: string }[] };
    views: Record<string, { id: string }[]>;
    viewsWelcome: { view: string; when?: string; contents: string }[];
    commands: { command: string }[];
    menus: Record<string, { command?: string; when?: string; submenu?: string }[]>;
    configuration: { properties: Record<string, unknown> };
  };
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const contributes = manifest.contributes;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
const SOURCES = sourceFiles(join(ROOT, 'src'));
const SOURCE_TEXT = new Map(SOURCES.map((f) => [f, readFileSync(f, 'utf8')]));
/** The sources with the declarations of the ids themselves left out. */
const USES = [...SOURCE_TEXT.entries()].filter(([f]) => !f.endsWith(join('vscode', 'constants.ts'))).map(([, text]) => text);
const used = (expression: string) => USES.some((text) => text.includes(expression));

/** Every `when` clause of the manifest: menus and the welcome view. */
const whenClauses = [
  ...Object.values(contributes.menus).flatMap((items) => items.map((i) => i.when ?? '')),
  ...contributes.viewsWelcome.map((w) => w.when ?? ''),
].filter(Boolean);

/**
 * The row kinds a `when` clause selects: `viewItem == x`, and every kind a `viewItem =~ /re/`
 * matches (a pattern that matches none is reported).
 */
function viewItemsIn(when: string, kinds: readonly string[]): string[] {
  const names = [...when.matchAll(/viewItem == ([\w.-]+)/g)].map((m) => m[1]);
  for (const m of when.matchAll(/viewItem =~ \/(.+?)\/(?=\s|$)/g)) {
    const pattern = new RegExp(m[1]);
    const matched = kinds.filter((k) => pattern.test(k));
    assert.ok(matched.length, `viewItem =~ /${m[1]}/ matches no row kind`);
    names.push(...matched);
  }
  return names;
}

/** Context keys a clause tests: the identifiers with a dot that are not VS Code's own. */
function contextKeysIn(when: string): string[] {
  return [...when.matchAll(/\b(decnet\.[\w.]+)/g)].map((m) => m[1]).filter((k) => !k.startsWith('decnet.views.'));
}

describe('package.json and the code agree', () => {
  it('every command declared is registered, and every command registered is declared', () => {
    const declared = contributes.commands.map((c) => c.command).sort();
    const inCode = [...Object.values(Commands), ...Object.values(ReviewCommands)].sort();
    assert.deepEqual(declared, inCode);
    // Commands are registered from the handler table; the review's from planReview.ts.
    for (const key of Object.keys(Commands)) assert.ok(used(`[Commands.${key}]`), `Commands.${key} has no handler`);
    for (const key of Object.keys(ReviewCommands)) {
      assert.ok(used(`registerCommand(ReviewCommands.${key}`), `ReviewCommands.${key} is never registered`);
    }
  });

  it('every command a menu names is declared', () => {
    const declared = new Set(contributes.commands.map((c) => c.command));
    for (const [menu, items] of Object.entries(contributes.menus)) {
      for (const item of items) if (item.command) assert.ok(declared.has(item.command), `${menu}: ${item.command} is not declared`);
    }
  });

  it("the commands of the rows' menus are the ones a refresh can leave without their row", () => {
    // lostRow() guards exactly these: a menu opened while the tree refreshed hands them undefined.
    const rowMenus = new Set(contributes.menus['view/item/context'].map((m) => m.command));
    assert.deepEqual([...rowMenus].sort(), [...ROW_COMMANDS].sort());
  });

  it('the view and its container are the ones the code names', () => {
    assert.deepEqual(
      Object.values(contributes.views).flatMap((views) => views.map((v) => v.id)),
      [TOPOLOGIES_VIEW_ID],
    );
    assert.deepEqual(
      Object.keys(contributes.views),
      contributes.viewsContainers.activitybar.map((c) => c.id),
    );
    for (const when of whenClauses) {
      for (const m of when.matchAll(/\bview == ([\w.]+)/g)) assert.equal(m[1], TOPOLOGIES_VIEW_ID, when);
    }
    for (const welcome of contributes.viewsWelcome) assert.equal(welcome.view, TOPOLOGIES_VIEW_ID);
    assert.ok(used('TOPOLOGIES_VIEW_ID'), 'the view id is never used');
  });

  it('every row kind a menu names is one the tree gives, and every one the tree gives is used', () => {
    const values = new Set<string>(Object.values(ContextValues));
    const inMenus = new Set(whenClauses.flatMap((w) => viewItemsIn(w, [...values])));
    for (const name of inMenus) assert.ok(values.has(name), `a menu names viewItem ${name}, which no row has`);
    for (const [key, value] of Object.entries(ContextValues)) {
      assert.ok(used(`ContextValues.${key}`), `ContextValues.${key} (${value}) is given to no row`);
    }
    // Rows without a menu of their own: said here, so a new kind is a decision, not an accident.
    const withoutMenu = [...values].filter((v) => !inMenus.has(v)).sort();
    assert.deepEqual(withoutMenu, [
      'action',
      'blockedSection',
      'dbBusy',
      'dbError',
      'dockerError',
      'foreignSection',
      'host',
      'hostUnreachable',
      'ignoredSetting',
      'liveGroup',
      'liveSection',
      'loading',
      'misplacedSection',
      'scanFailed',
      'unknownGroup',
      'unknownSection',
    ]);
  });

  it('every context key a when clause tests is set by the code, and every one set is tested', () => {
    const keys = new Set<string>(Object.values(ContextKeys));
    const tested = new Set(whenClauses.flatMap(contextKeysIn));
    assert.deepEqual([...tested].sort(), [...keys].sort());
    for (const key of Object.keys(ContextKeys)) {
      assert.ok(used(`'setContext', ContextKeys.${key}`), `ContextKeys.${key} is never set`);
    }
    // The review document's scheme, named in the editor title bar's menus.
    const schemes = new Set(whenClauses.flatMap((w) => [...w.matchAll(/resourceScheme == ([\w-]+)/g)].map((m) => m[1])));
    const review = /export const REVIEW_SCHEME = '([\w-]+)'/.exec(SOURCE_TEXT.get(join(ROOT, 'src/vscode/planReview.ts')) ?? '');
    assert.deepEqual([...schemes], [review?.[1]]);
  });

  it('every setting declared is read, and every setting read is declared', () => {
    assert.deepEqual(Object.keys(contributes.configuration.properties).sort(), Object.values(FullSettings).sort());
    const settingsFile = SOURCE_TEXT.get(join(ROOT, 'src/vscode/settings.ts')) ?? '';
    for (const key of Object.keys(FullSettings)) {
      assert.ok(settingsFile.includes(`Settings.${key}`), `Settings.${key} is never read in settings.ts`);
    }
    // Settings are read in settings.ts only.
    for (const [file, text] of SOURCE_TEXT) {
      if (file.endsWith(join('vscode', 'settings.ts'))) continue;
      assert.ok(!/\.getConfiguration\(/.test(text), `${relative(ROOT, file)} reads settings itself`);
    }
  });

  it('the extension activates on its own contributions only', () => {
    assert.deepEqual(manifest.activationEvents ?? [], []);
  });
});

describe('the sources', () => {
  it('import one another without a cycle (type imports included)', () => {
    const graph = new Map<string, string[]>();
    for (const [file, text] of SOURCE_TEXT) {
      const deps: string[] = [];
      for (const m of text.matchAll(/^(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'/gm)) {
        const target = resolve(dirname(file), m[1]);
        deps.push(existsSync(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts'));
      }
      graph.set(file, deps);
    }
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const cycles: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      path.push(file);
      for (const dep of graph.get(file) ?? []) {
        if (state.get(dep) === 'open') {
          cycles.push([...path.slice(path.indexOf(dep)), dep].map((f) => relative(ROOT, f)).join(' -> '));
        } else if (!state.has(dep)) visit(dep);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    assert.deepEqual(cycles, []);
  });
});
