// Loads the packaged extension bundle (dist/extension.js) with a stand-in `vscode` module and
// records every file the process opens or stats and every socket it connects, phase by phase:
// require, activate(), an idle second, then the view asking for its children (getChildren).
// Plain Node (no loader), so that only the bundle's own activity is seen.
//
//   node bench/startupProbe.cjs <dist/extension.js> <settings JSON>   -> one JSON line on stdout
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const Module = require('node:module');
const path = require('node:path');

const [bundle, settingsJson] = process.argv.slice(2);
const settings = JSON.parse(settingsJson || '{}');
const events = [];
let phase = 'start';

function note(op, target) {
  events.push({ phase, op, target: String(target) });
}

// --- instrumentation: fs (sync, callback, promises) and sockets --------------------------------
const fsOps = ['open', 'readFile', 'stat', 'lstat', 'realpath', 'access', 'readdir', 'exists', 'watch', 'watchFile', 'createReadStream'];
for (const op of fsOps) {
  for (const name of [op, `${op}Sync`]) {
    const orig = fs[name];
    if (typeof orig !== 'function') continue;
    fs[name] = function (p, ...rest) {
      note(name, p);
      return orig.call(this, p, ...rest);
    };
    if (orig.native)
      fs[name].native = function (p, ...rest) {
        note(`${name}.native`, p);
        return orig.native.call(this, p, ...rest);
      };
  }
  const porig = fs.promises[op];
  if (typeof porig === 'function') {
    fs.promises[op] = function (p, ...rest) {
      note(`promises.${op}`, p);
      return porig.call(this, p, ...rest);
    };
  }
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const a = args[0];
  const target = Array.isArray(a) ? JSON.stringify(a[0]) : typeof a === 'object' && a ? a.path || `${a.host}:${a.port}` : a;
  note('socket.connect', target);
  return connect.apply(this, args);
};

// --- a stand-in for the vscode API --------------------------------------------------------------
/** Anything not modelled below: callable, constructible, every property another stand-in. */
function deep(name) {
  const fn = function () {};
  const own = new Map();
  return new Proxy(fn, {
    get(_t, prop) {
      if (own.has(prop)) return own.get(prop);
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === Symbol.iterator) return function* () {};
      if (prop === 'dispose') return () => undefined;
      return deep(`${name}.${String(prop)}`);
    },
    set(_t, prop, value) {
      own.set(prop, value);
      return true;
    },
    defineProperty(_t, prop, desc) {
      own.set(prop, desc.value);
      return true;
    },
    apply() {
      return deep(`${name}()`);
    },
    construct() {
      return deep(`new ${name}`);
    },
  });
}
const disposable = () => ({ dispose() {} });
class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (l) => {
      this.listeners.add(l);
      return { dispose: () => this.listeners.delete(l) };
    };
  }
  fire(e) {
    for (const l of [...this.listeners]) l(e);
  }
  dispose() {
    this.listeners.clear();
  }
}
const noEvent = () => disposable();
const providers = [];
const treeViews = [];
function config(section) {
  return {
    get(key, dflt) {
      const full = section ? `${section}.${key}` : key;
      return full in settings ? settings[full] : dflt;
    },
    has: (key) => `${section}.${key}` in settings,
    inspect: () => undefined,
    update: async () => undefined,
  };
}
const channel = new Proxy({}, { get: (_t, prop) => (prop === 'then' ? undefined : prop === 'logLevel' ? 2 : () => undefined) });
const vscodeApi = {
  EventEmitter,
  Disposable: class {
    constructor(fn) {
      this.fn = fn;
    }
    static from(...d) {
      return { dispose: () => d.forEach((x) => x?.dispose?.()) };
    }
    dispose() {
      this.fn?.();
    }
  },
  TreeItem: class {
    constructor(label, collapsibleState) {
      this.label = label;
      this.collapsibleState = collapsibleState;
    }
  },
  ThemeIcon: class {
    constructor(id, color) {
      this.id = id;
      this.color = color;
    }
  },
  ThemeColor: class {
    constructor(id) {
      this.id = id;
    }
  },
  MarkdownString: class {
    constructor(value = '') {
      this.value = value;
    }
    appendMarkdown(v) {
      this.value += v;
      return this;
    }
    appendText(v) {
      this.value += v;
      return this;
    }
    appendCodeblock(v) {
      this.value += v;
      return this;
    }
  },
  Uri: {
    file: (p) => ({ fsPath: p, path: p, scheme: 'file', toString: () => `file://${p}` }),
    parse: (s) => ({ fsPath: s, path: s, scheme: 'file', toString: () => s }),
    joinPath: (u, ...p) => ({ fsPath: path.join(u.fsPath, ...p), path: path.join(u.path, ...p), scheme: 'file' }),
  },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ViewColumn: { Active: -1, One: 1 },
  LogLevel: { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 },
  env: { remoteName: undefined, appName: 'probe', language: 'en', uiKind: 1 },
  window: {
    createOutputChannel: () => channel,
    createTreeView: (id, opts) => {
      providers.push(opts.treeDataProvider);
      const view = {
        visible: false,
        onDidChangeVisibility: noEvent,
        onDidChangeSelection: noEvent,
        onDidExpandElement: noEvent,
        onDidCollapseElement: noEvent,
        reveal: async () => undefined,
        dispose() {},
      };
      treeViews.push(view);
      return view;
    },
    registerTreeDataProvider: (_id, p) => {
      providers.push(p);
      return disposable();
    },
    showInformationMessage: async () => undefined,
    showWarningMessage: async () => undefined,
    showErrorMessage: async () => undefined,
    withProgress: async (_o, task) => task({ report() {} }, { isCancellationRequested: false, onCancellationRequested: noEvent }),
    createStatusBarItem: () => deep('statusBarItem'),
    onDidChangeWindowState: noEvent,
    state: { focused: true },
  },
  workspace: {
    getConfiguration: config,
    onDidChangeConfiguration: noEvent,
    onDidChangeWorkspaceFolders: noEvent,
    onDidGrantWorkspaceTrust: noEvent,
    workspaceFolders: undefined,
    isTrusted: true,
    createFileSystemWatcher: () => ({ onDidChange: noEvent, onDidCreate: noEvent, onDidDelete: noEvent, dispose() {} }),
  },
  commands: {
    registerCommand: () => disposable(),
    executeCommand: async () => undefined,
  },
  // The review document's code lenses (registered on activation).
  languages: {
    registerCodeLensProvider: () => disposable(),
  },
};
const vscode = new Proxy(vscodeApi, {
  get(t, prop) {
    if (prop in t) return t[prop];
    if (prop === 'then' || prop === '__esModule') return undefined;
    return deep(`vscode.${String(prop)}`);
  },
});
for (const ns of ['window', 'workspace', 'commands', 'languages']) {
  vscodeApi[ns] = new Proxy(vscodeApi[ns], {
    get(t, prop) {
      if (prop in t) return t[prop];
      if (typeof prop === 'string' && prop.startsWith('onDid')) return noEvent;
      return deep(`vscode.${ns}.${String(prop)}`);
    },
  });
}
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscode;
  return load.call(this, request, ...rest);
};

const secretsEmitter = new EventEmitter();
const memento = () => ({ get: (_k, d) => d, update: async () => undefined, keys: () => [], setKeysForSync() {} });
const context = new Proxy(
  {
    subscriptions: [],
    extensionPath: path.dirname(path.dirname(bundle)),
    extensionUri: vscodeApi.Uri.file(path.dirname(path.dirname(bundle))),
    globalState: memento(),
    workspaceState: memento(),
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined, onDidChange: secretsEmitter.event },
    extensionMode: 1,
    logUri: vscodeApi.Uri.file('/tmp'),
    globalStorageUri: vscodeApi.Uri.file('/tmp'),
  },
  { get: (t, prop) => (prop in t ? t[prop] : deep(`context.${String(prop)}`)) },
);

async function main() {
  const t0 = performance.now();
  phase = 'require';
  const ext = require(path.resolve(bundle));
  const t1 = performance.now();
  phase = 'activate';
  await ext.activate(context);
  const t2 = performance.now();
  phase = 'idle';
  await new Promise((r) => setTimeout(r, 1000));
  phase = 'view';
  for (const view of treeViews) view.visible = true;
  for (const p of providers) {
    try {
      await p.getChildren(undefined);
    } catch (e) {
      note('getChildren threw', e && e.message);
    }
  }
  // Give the first scan time to reach the file and the daemon.
  await new Promise((r) => setTimeout(r, 3000));
  phase = 'done';
  process.stdout.write(`${JSON.stringify({ requireMs: t1 - t0, activateMs: t2 - t1, providers: providers.length, events })}\n`);
  for (const d of context.subscriptions) {
    try {
      d.dispose();
    } catch {
      // best effort
    }
  }
  process.exit(0);
}

main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ error: String((e && e.stack) || e), events })}\n`);
  process.exit(1);
});
