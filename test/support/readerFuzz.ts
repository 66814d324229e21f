// Fuzzing of the SQLite reader (readSqliteDb): a seeded generator damages valid DECNET databases
// (b-tree pages, pointers, counts, the 100-byte header, -wal frames) and each read must either
// refuse (DbReadError) or return exactly the rows real SQLite (python3's sqlite3, fuzz_oracle.py)
// reads from the same files while SQLite's integrity check of the b-trees read passes.
//
// Every case is a pure function of (seed, case index): its base database, its mutations (each
// drawn from its own random stream, so a subset of them replays alone) and how it is read.
import { fork, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lan, Topology } from '../../src/core/model';
import { topo, type MakeDbOptions, type TopologySpec } from './makeDb';

// ---------------------------------------------------------------------------------------------
// Random numbers

export type Rng = () => number;

/** mulberry32: a small, fast, seeded 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes integers into one 32-bit seed (splitmix-like). */
export function mix(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1)); // inclusive
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
function weighted<T>(r: Rng, xs: ReadonlyArray<readonly [T, number]>): T {
  const total = xs.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of xs) {
    x -= w;
    if (x < 0) return v;
  }
  return xs[xs.length - 1][0];
}

// ---------------------------------------------------------------------------------------------
// The python3 helper (fuzz_oracle.py): builds the bases and is the oracle.

export type OracleValue = null | string | { i: string } | { f: string } | { b: string };
export type OracleAnswer =
  { ok: true; topologies: OracleValue[][]; lans: OracleValue[][]; hasLans: boolean } | { ok: false; why: string; crash?: boolean };

export class Oracle {
  private child: ChildProcessWithoutNullStreams;
  private buf = '';
  private waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  private stderr = '';
  private dead: Error | null = null;

  constructor() {
    this.child = spawn('python3', [path.join(__dirname, 'fuzz_oracle.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        this.waiting.shift()?.resolve(JSON.parse(line));
      }
    });
    this.child.stderr.on('data', (d) => (this.stderr = (this.stderr + String(d)).slice(-4000)));
    this.child.on('exit', (code) => {
      this.dead = new Error(`the python3 oracle exited (${code}): ${this.stderr}`);
      for (const w of this.waiting.splice(0)) w.reject(this.dead);
    });
    this.child.stdin.on('error', () => undefined);
  }

  request<T>(req: unknown): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  check(dbPath: string): Promise<OracleAnswer> {
    return this.request<OracleAnswer>({ cmd: 'check', path: dbPath });
  }

  close(): void {
    this.child.stdin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Base databases

export interface PageInfo {
  pgno: number;
  /** The b-tree (table or index name, or sqlite_master) the page belongs to. */
  btree: string;
  /** The table that b-tree belongs to. */
  table: string;
  kind: 'btree' | 'overflow';
}

export interface Base {
  name: string;
  path: string;
  pageSize: number;
  pages: PageInfo[];
}

interface BaseSpec {
  name: string;
  schema: 'small' | 'full';
  opts: MakeDbOptions;
}

function lansFor(ts: TopologySpec[], per: number, subnetBase: number): Lan[] {
  const out: Lan[] = [];
  ts.forEach((t, k) => {
    for (let j = 0; j < per; j++) {
      const n = subnetBase + k * per + j;
      out.push({
        id: `${t.id.slice(0, 8)}-2222-4222-8222-${n.toString(16).padStart(12, '0')}`,
        topologyId: t.id,
        name: j === 0 ? 'dmz' : `lan-${j}`,
        subnet: `172.${16 + (n >> 8)}.${n & 255}.0/24`,
        isDmz: j === 0,
        dockerNetworkId: j % 2 === 0 ? null : `net${n.toString(16).padStart(12, '0')}`,
      });
    }
  });
  return out;
}

function topos(from: number, n: number, big: (k: number) => number | undefined): TopologySpec[] {
  const statuses = ['active', 'torn_down', 'deploying', 'failed', 'pending'];
  return Array.from({ length: n }, (_, k) => ({
    ...topo(from + k, { status: statuses[k % statuses.length], mode: k % 7 === 3 ? 'agent' : 'unihost' }),
    configSnapshotBytes: big(k),
  }));
}

/**
 * The bases: both page sizes; `topologies` and `lans` deep enough for interior pages; big
 * config_snapshot values in overflow pages; a `logs` filler; rows only in the -wal; a spilled
 * uncommitted transaction; a -wal whose tail holds an older generation; DECNET's whole schema.
 */
export function baseSpecs(): BaseSpec[] {
  const a = topos(0x10000, 40, (k) => (k % 9 === 4 ? 2500 : undefined));
  const aw = topos(0x11000, 4, (k) => (k === 1 ? 1800 : undefined));
  const b = topos(0x20000, 100, (k) => (k % 40 === 7 ? 9000 : undefined));
  const bw = topos(0x21000, 3, () => undefined);
  const c = topos(0x30000, 8, () => undefined);
  const cw = topos(0x31000, 14, (k) => (k === 5 ? 5000 : undefined));
  const dw = topos(0x40000, 16, (k) => (k === 2 ? 3000 : undefined));
  return [
    {
      name: 'p1024-small',
      schema: 'small',
      opts: { pageSize: 1024, checkpointed: a, walOnly: aw, lans: lansFor([...a, ...aw], 2, 0), filler: 20, walFiller: 2 },
    },
    {
      name: 'p4096-full',
      schema: 'full',
      opts: {
        pageSize: 4096,
        checkpointed: b,
        walOnly: bw,
        lans: lansFor([...b, ...bw], 2, 400),
        filler: 10,
        walFiller: 1,
        uncommittedWal: topos(0x2f000, 1, () => undefined),
      },
    },
    {
      name: 'p4096-walgen',
      schema: 'small',
      opts: {
        pageSize: 4096,
        checkpointed: c,
        walOnly: cw,
        lans: lansFor([...c, ...cw], 3, 800),
        filler: 10,
        staleGeneration: { delete: [c[0].id], insert: topos(0x3f000, 1, () => undefined) },
      },
    },
    {
      name: 'p1024-full-walonly',
      schema: 'full',
      opts: { pageSize: 1024, checkpointed: [], walOnly: dw, lans: lansFor(dw, 3, 1200), walFiller: 1 },
    },
  ];
}

export const FIXED_SALT1 = 0x5a170001;
export const FIXED_SALT2 = 0x5a170002;

/** Builds every base in `dir` (with the oracle's python3) and gives its WAL fixed salts (reproducible files). */
export async function buildBases(oracle: Oracle, dir: string): Promise<Base[]> {
  const out: Base[] = [];
  for (const spec of baseSpecs()) {
    const info = await oracle.request<{
      path: string;
      pages?: { pageSize: number; btrees: Record<string, { table: string; pages: number[]; overflow: number[] }> };
      why?: string;
    }>({
      cmd: 'build',
      dir: path.join(dir, spec.name),
      schema: spec.schema === 'full' ? path.join(__dirname, 'decnet-schema-full.sql') : null,
      ...spec.opts,
    });
    if (!info.pages) throw new Error(`building base ${spec.name} failed: ${info.why}`);
    const walPath = info.path + '-wal';
    if (fs.existsSync(walPath)) {
      const wal = fs.readFileSync(walPath);
      setWalSalts(wal, info.pages.pageSize, FIXED_SALT1, FIXED_SALT2);
      fs.writeFileSync(walPath, wal);
    }
    const pages: PageInfo[] = [];
    for (const [btree, b] of Object.entries(info.pages.btrees)) {
      for (const p of b.pages) pages.push({ pgno: p, btree, table: b.table, kind: 'btree' });
      for (const p of b.overflow) pages.push({ pgno: p, btree, table: b.table, kind: 'overflow' });
    }
    out.push({ name: spec.name, path: info.path, pageSize: info.pages.pageSize, pages });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// WAL layout and checksums (an implementation of the file format, independent of src/)

const WAL_HDR = 32;
const FRAME_HDR = 24;

function walChecksum(b: Buffer, start: number, end: number, big: boolean, s: [number, number]): [number, number] {
  let [s1, s2] = s;
  for (let i = start; i < end; i += 8) {
    const x0 = big ? b.readUInt32BE(i) : b.readUInt32LE(i);
    const x1 = big ? b.readUInt32BE(i + 4) : b.readUInt32LE(i + 4);
    s1 = (s1 + x0 + s2) >>> 0;
    s2 = (s2 + x1 + s1) >>> 0;
  }
  return [s1, s2];
}

export interface WalModel {
  headerOk: boolean;
  big: boolean;
  salt1: number;
  salt2: number;
  /** Offsets of every whole frame in the file. */
  frameOffsets: number[];
  validFrames: number;
  committedFrames: number;
  dbSize: number;
  /** Page number → frame index of its last committed copy. */
  pageFrame: Map<number, number>;
}

export function walModel(wal: Buffer, pageSize: number): WalModel {
  const m: WalModel = {
    headerOk: false,
    big: false,
    salt1: 0,
    salt2: 0,
    frameOffsets: [],
    validFrames: 0,
    committedFrames: 0,
    dbSize: 0,
    pageFrame: new Map(),
  };
  for (let off = WAL_HDR; off + FRAME_HDR + pageSize <= wal.length; off += FRAME_HDR + pageSize) m.frameOffsets.push(off);
  if (wal.length < WAL_HDR) return m;
  const magic = wal.readUInt32BE(0);
  if ((magic & 0xfffffffe) !== 0x377f0682 || wal.readUInt32BE(4) !== 3007000 || wal.readUInt32BE(8) !== pageSize) return m;
  m.big = (magic & 1) === 1;
  let s = walChecksum(wal, 0, 24, m.big, [0, 0]);
  if (s[0] !== wal.readUInt32BE(24) || s[1] !== wal.readUInt32BE(28)) return m;
  m.headerOk = true;
  m.salt1 = wal.readUInt32BE(16);
  m.salt2 = wal.readUInt32BE(20);
  const pending = new Map<number, number>();
  for (let k = 0; k < m.frameOffsets.length; k++) {
    const off = m.frameOffsets[k];
    const pgno = wal.readUInt32BE(off);
    if (pgno === 0 || wal.readUInt32BE(off + 8) !== m.salt1 || wal.readUInt32BE(off + 12) !== m.salt2) break;
    s = walChecksum(wal, off, off + 8, m.big, s);
    s = walChecksum(wal, off + FRAME_HDR, off + FRAME_HDR + pageSize, m.big, s);
    if (s[0] !== wal.readUInt32BE(off + 16) || s[1] !== wal.readUInt32BE(off + 20)) break;
    m.validFrames = k + 1;
    pending.set(pgno, k);
    const commit = wal.readUInt32BE(off + 4);
    if (commit !== 0) {
      m.committedFrames = k + 1;
      m.dbSize = commit;
      for (const [p, f] of pending) m.pageFrame.set(p, f);
      pending.clear();
    }
  }
  return m;
}

/**
 * Recomputes the cumulative checksums of frames `from`.. (while their salts are the header's),
 * starting from the checksum stored in the frame before (or the header's): damage written into
 * those frames then passes WAL validation.
 */
export function resealWal(wal: Buffer, pageSize: number, from: number): void {
  if (wal.length < WAL_HDR) return;
  const big = (wal.readUInt32BE(0) & 1) === 1;
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  const fsz = FRAME_HDR + pageSize;
  let s: [number, number];
  if (from <= 0) {
    from = 0;
    s = [wal.readUInt32BE(24), wal.readUInt32BE(28)];
  } else {
    const prev = WAL_HDR + (from - 1) * fsz;
    if (prev + fsz > wal.length) return;
    s = [wal.readUInt32BE(prev + 16), wal.readUInt32BE(prev + 20)];
  }
  for (let off = WAL_HDR + from * fsz; off + fsz <= wal.length; off += fsz) {
    if (wal.readUInt32BE(off + 8) !== salt1 || wal.readUInt32BE(off + 12) !== salt2) break;
    s = walChecksum(wal, off, off + 8, big, s);
    s = walChecksum(wal, off + FRAME_HDR, off + fsz, big, s);
    wal.writeUInt32BE(s[0], off + 16);
    wal.writeUInt32BE(s[1], off + 20);
  }
}

function sealWalHeader(wal: Buffer): void {
  const big = (wal.readUInt32BE(0) & 1) === 1;
  const s = walChecksum(wal, 0, 24, big, [0, 0]);
  wal.writeUInt32BE(s[0], 24);
  wal.writeUInt32BE(s[1], 28);
}

/** Gives the current generation of a valid WAL other salts, keeping it valid (header and frames re-sealed). */
export function setWalSalts(wal: Buffer, pageSize: number, salt1: number, salt2: number): void {
  const m = walModel(wal, pageSize);
  if (!m.headerOk) return;
  wal.writeUInt32BE(salt1 >>> 0, 16);
  wal.writeUInt32BE(salt2 >>> 0, 20);
  sealWalHeader(wal);
  for (let k = 0; k < m.validFrames; k++) {
    wal.writeUInt32BE(salt1 >>> 0, m.frameOffsets[k] + 8);
    wal.writeUInt32BE(salt2 >>> 0, m.frameOffsets[k] + 12);
  }
  resealWal(wal, pageSize, 0);
}

// ---------------------------------------------------------------------------------------------
// A case being built: the main file and the -wal in memory, pages found where SQLite would read them

class CaseFiles {
  constructor(
    public main: Buffer,
    public wal: Buffer | null,
    readonly pageSize: number,
    /** The WAL's layout when known (a copy of the base's): recomputed only once the WAL changes. */
    private model: WalModel | null = null,
  ) {}

  walInfo(): WalModel | null {
    if (this.wal === null) return null;
    this.model ??= walModel(this.wal, this.pageSize);
    return this.model;
  }

  walChanged(): void {
    this.model = null;
  }

  /** The database's page count as SQLite would see it (WAL commit size, else the main file's). */
  pageCount(): number {
    const m = this.walInfo();
    if (m && m.committedFrames > 0) return m.dbSize;
    return Math.floor(this.main.length / this.pageSize);
  }

  /** Where page n's current bytes are: a view into the -wal frame or the main file, and the frame index (-1: main file). */
  loc(n: number): { buf: Buffer; frame: number } | null {
    const m = this.walInfo();
    const f = m?.pageFrame.get(n);
    if (m && f !== undefined && this.wal) {
      const off = m.frameOffsets[f] + FRAME_HDR;
      return { buf: this.wal.subarray(off, off + this.pageSize), frame: f };
    }
    const off = (n - 1) * this.pageSize;
    if (n < 1 || off + this.pageSize > this.main.length) return null;
    return { buf: this.main.subarray(off, off + this.pageSize), frame: -1 };
  }

  /** Changes page n's bytes in place (the -wal frame re-sealed unless `reseal` is false). */
  edit(n: number, fn: (page: Buffer) => void, reseal = true): boolean {
    const l = this.loc(n);
    if (!l) return false;
    fn(l.buf);
    if (l.frame >= 0 && this.wal) {
      // Re-sealed, the frame stays valid and the layout with it; else the log may end there.
      if (reseal) resealWal(this.wal, this.pageSize, l.frame);
      else this.walChanged();
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite page structure helpers

function readVarint(b: Buffer, off: number): { value: number; len: number } {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    if (off + i >= b.length) return { value: v, len: i };
    const c = b[off + i];
    v = v * 128 + (c & 0x7f);
    if ((c & 0x80) === 0) return { value: v, len: i + 1 };
  }
  if (off + 8 >= b.length) return { value: v, len: 8 };
  return { value: v * 256 + b[off + 8], len: 9 };
}

/** Writes `v` as a varint of exactly `len` bytes (len <= 4: leading 0x80 bytes pad it); false when it does not fit. */
function writeVarintLen(b: Buffer, off: number, v: number, len: number): boolean {
  if (len < 1 || len > 4 || v < 0 || v >= 2 ** (7 * len)) return false;
  for (let k = 0; k < len; k++) {
    const shift = 7 * (len - 1 - k);
    b[off + k] = (Math.floor(v / 2 ** shift) & 0x7f) | (k < len - 1 ? 0x80 : 0);
  }
  return true;
}

interface BtreeHeader {
  h: number;
  type: number;
  interior: boolean;
  ncell: number;
  ptrStart: number;
}

function btreeHeader(page: Buffer, pgno: number): BtreeHeader | null {
  const h = pgno === 1 ? 100 : 0;
  const type = page[h];
  if (type !== 2 && type !== 5 && type !== 10 && type !== 13) return null;
  const interior = type === 2 || type === 5;
  return { h, type, interior, ncell: page.readUInt16BE(h + 3), ptrStart: h + (interior ? 12 : 8) };
}

function cellOffsets(page: Buffer, hd: BtreeHeader): number[] {
  const out: number[] = [];
  for (let i = 0; i < hd.ncell; i++) {
    const p = hd.ptrStart + 2 * i;
    if (p + 2 > page.length) break;
    const c = page.readUInt16BE(p);
    if (c > 0 && c < page.length - 4) out.push(c);
  }
  return out;
}

interface CellPayload {
  /** Offset of the payload-size varint (or -1 for interior table cells). */
  sizeOff: number;
  sizeLen: number;
  size: number;
  /** Offset of the rowid varint for table cells, else -1. */
  rowidOff: number;
  rowidLen: number;
  payloadOff: number;
  /** Bytes of payload on this page; where the overflow page number is when local < size. */
  local: number;
}

function cellPayload(page: Buffer, hd: BtreeHeader, cell: number, usable: number): CellPayload | null {
  let off = cell;
  if (hd.interior) off += 4;
  if (hd.type === 5) return null; // interior table cell: child + rowid only
  const sz = readVarint(page, off);
  const res: CellPayload = { sizeOff: off, sizeLen: sz.len, size: sz.value, rowidOff: -1, rowidLen: 0, payloadOff: 0, local: 0 };
  off += sz.len;
  if (hd.type === 13) {
    const rid = readVarint(page, off);
    res.rowidOff = off;
    res.rowidLen = rid.len;
    off += rid.len;
  }
  res.payloadOff = off;
  const P = sz.value;
  const X = hd.type === 13 ? usable - 35 : Math.floor(((usable - 12) * 64) / 255) - 23;
  if (P <= X) res.local = P;
  else {
    const M = Math.floor(((usable - 12) * 32) / 255) - 23;
    const K = M + ((P - M) % (usable - 4));
    res.local = K <= X ? K : M;
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Mutations. Each returns a description starting with its kind, or null when it does not apply.

type Mutation = (c: CaseFiles, r: Rng, base: Base) => string | null;

const READ_TABLES = new Set(['sqlite_master', 'topologies', 'lans']);

function pickPage(r: Rng, base: Base, c: CaseFiles, pred: (p: PageInfo) => boolean = () => true): PageInfo | null {
  const cand = base.pages.filter((p) => pred(p) && p.pgno <= c.pageCount());
  if (cand.length === 0) return null;
  const read = cand.filter((p) => READ_TABLES.has(p.table));
  return read.length > 0 && r() < 0.8 ? pick(r, read) : pick(r, cand);
}

function pickBtree(r: Rng, base: Base, c: CaseFiles, interior: boolean | null): { p: PageInfo; hd: BtreeHeader; page: Buffer } | null {
  for (let tries = 0; tries < 8; tries++) {
    const p = pickPage(r, base, c, (x) => x.kind === 'btree');
    if (!p) return null;
    const l = c.loc(p.pgno);
    if (!l) continue;
    const hd = btreeHeader(l.buf, p.pgno);
    if (!hd || (interior !== null && hd.interior !== interior) || hd.ncell === 0) continue;
    return { p, hd, page: l.buf };
  }
  return null;
}

const where = (c: CaseFiles, n: number): string => ((c.loc(n)?.frame ?? -1) >= 0 ? `wal frame ${c.loc(n)?.frame}` : 'main');

const pageBytes: Mutation = (c, r, base) => {
  const p = r() < 0.7 ? pickPage(r, base, c) : { pgno: int(r, 1, Math.max(1, c.pageCount())), btree: '?', table: '?', kind: 'btree' };
  if (!p) return null;
  const w = where(c, p.pgno);
  const n = int(r, 1, 4);
  const edits: string[] = [];
  const ok = c.edit(p.pgno, (page) => {
    for (let k = 0; k < n; k++) {
      const off = int(r, 0, page.length - 1);
      if (r() < 0.6) {
        const bit = int(r, 0, 7);
        page[off] ^= 1 << bit;
        edits.push(`${off}^bit${bit}`);
      } else {
        const v = int(r, 0, 255);
        page[off] = v;
        edits.push(`${off}=${v}`);
      }
    }
  });
  return ok ? `page.bytes page ${p.pgno} (${p.btree}, ${w}) ${edits.join(' ')}` : null;
};

const btreeHeaderMut: Mutation = (c, r, base) => {
  const t = pickBtree(r, base, c, null);
  if (!t) return null;
  const { p, hd } = t;
  const field = weighted(r, [
    ['type', 3],
    ['ncell', 3],
    ['content', 2],
    ['freeblock', 1],
    ['frag', 1],
    ['rightmost', hd.interior ? 3 : 0],
  ] as const);
  let desc = '';
  c.edit(p.pgno, (page) => {
    const h = hd.h;
    switch (field) {
      case 'type': {
        const v =
          r() < 0.6
            ? pick(
                r,
                [2, 5, 10, 13].filter((x) => x !== hd.type),
              )
            : int(r, 0, 255);
        page[h] = v;
        desc = `type ${hd.type}->${v}`;
        break;
      }
      case 'ncell': {
        const v = pick(r, [0, hd.ncell + 1, hd.ncell - 1, hd.ncell + int(r, 2, 50), 0xffff, int(r, 0, 0xffff)]) & 0xffff;
        page.writeUInt16BE(v, h + 3);
        desc = `ncell ${hd.ncell}->${v}`;
        break;
      }
      case 'content': {
        const old = page.readUInt16BE(h + 5);
        const v = pick(r, [0, old + 1, old - 1, page.length, int(r, 0, 0xffff), hd.ptrStart]) & 0xffff;
        page.writeUInt16BE(v, h + 5);
        desc = `content ${old}->${v}`;
        break;
      }
      case 'freeblock': {
        const v = int(r, 0, page.length + 16) & 0xffff;
        page.writeUInt16BE(v, h + 1);
        desc = `freeblock ->${v}`;
        break;
      }
      case 'frag': {
        const v = int(r, 0, 255);
        page[h + 7] = v;
        desc = `frag ->${v}`;
        break;
      }
      case 'rightmost': {
        const old = page.readUInt32BE(h + 8);
        const v = childTarget(r, c, base, old, p.pgno);
        page.writeUInt32BE(v >>> 0, h + 8);
        desc = `rightmost ${old}->${v >>> 0}`;
        break;
      }
    }
  });
  return `btree.header.${field} page ${p.pgno} (${p.btree}, ${where(c, p.pgno)}) ${desc}`;
};

function childTarget(r: Rng, c: CaseFiles, base: Base, old: number, self: number): number {
  const n = c.pageCount();
  return weighted(r, [
    [() => pickPage(r, base, c, (x) => x.kind === 'btree')?.pgno ?? 1, 4],
    [() => int(r, 1, Math.max(1, n)), 2],
    [() => n + int(r, 1, 3), 2],
    [() => 0, 1],
    [() => self, 1],
    [() => 0xffffffff, 1],
    [() => old + 1, 1],
  ] as const)();
}

const cellPointerMut: Mutation = (c, r, base) => {
  const t = pickBtree(r, base, c, null);
  if (!t) return null;
  const { p, hd } = t;
  const how = weighted(r, [
    ['dup', 3],
    ['swap', 2],
    ['random', 2],
    ['outside', 2],
    ['shift', 2],
  ] as const);
  let desc = '';
  c.edit(p.pgno, (page) => {
    const i = int(r, 0, hd.ncell - 1);
    const at = (k: number): number => hd.ptrStart + 2 * k;
    if (at(i) + 2 > page.length) return;
    const old = page.readUInt16BE(at(i));
    switch (how) {
      case 'dup': {
        const j = int(r, 0, hd.ncell - 1);
        if (at(j) + 2 <= page.length) page.writeUInt16BE(page.readUInt16BE(at(j)), at(i));
        desc = `cell ${i} := cell ${j}`;
        break;
      }
      case 'swap': {
        const j = int(r, 0, hd.ncell - 1);
        if (at(j) + 2 <= page.length) {
          page.writeUInt16BE(page.readUInt16BE(at(j)), at(i));
          page.writeUInt16BE(old, at(j));
        }
        desc = `swap cells ${i} ${j}`;
        break;
      }
      case 'random': {
        const v = int(r, 0, page.length - 1);
        page.writeUInt16BE(v, at(i));
        desc = `cell ${i} ${old}->${v}`;
        break;
      }
      case 'outside': {
        const v = pick(r, [0, 1, page.length - 1, page.length, 0xffff, hd.h]) & 0xffff;
        page.writeUInt16BE(v, at(i));
        desc = `cell ${i} ${old}->${v}`;
        break;
      }
      case 'shift': {
        const v = (old + pick(r, [-2, -1, 1, 2, 4])) & 0xffff;
        page.writeUInt16BE(v, at(i));
        desc = `cell ${i} ${old}->${v}`;
        break;
      }
    }
  });
  return `btree.cellptr.${how} page ${p.pgno} (${p.btree}, ${where(c, p.pgno)}) ${desc}`;
};

const childPointerMut: Mutation = (c, r, base) => {
  const t = pickBtree(r, base, c, true);
  if (!t) return null;
  const { p, hd, page: pg0 } = t;
  const cells = cellOffsets(pg0, hd);
  if (cells.length === 0) return null;
  const how = weighted(r, [
    ['dup', 4],
    ['swap', 2],
    ['other', 3],
    ['rightmost-dup', 2],
  ] as const);
  let desc = '';
  c.edit(p.pgno, (page) => {
    const i = int(r, 0, cells.length - 1);
    const old = page.readUInt32BE(cells[i]);
    const rightmost = page.readUInt32BE(hd.h + 8);
    switch (how) {
      case 'dup': {
        // An interior pointer duplicated: the same child reached twice (SQLite's reads do not notice).
        const j = int(r, 0, cells.length - 1);
        const v = j === i ? rightmost : page.readUInt32BE(cells[j]);
        page.writeUInt32BE(v, cells[i]);
        desc = `child ${i} ${old}->${v} (copy of ${j === i ? 'rightmost' : `child ${j}`})`;
        break;
      }
      case 'swap': {
        const j = int(r, 0, cells.length - 1);
        const v = page.readUInt32BE(cells[j]);
        page.writeUInt32BE(v, cells[i]);
        page.writeUInt32BE(old, cells[j]);
        desc = `swap children ${i} ${j}`;
        break;
      }
      case 'other': {
        const v = childTarget(r, c, base, old, p.pgno) >>> 0;
        page.writeUInt32BE(v, cells[i]);
        desc = `child ${i} ${old}->${v}`;
        break;
      }
      case 'rightmost-dup': {
        page.writeUInt32BE(old, hd.h + 8);
        desc = `rightmost ${rightmost}->${old} (copy of child ${i})`;
        break;
      }
    }
  });
  return `btree.child.${how} page ${p.pgno} (${p.btree}, ${where(c, p.pgno)}) ${desc}`;
};

const cellVarintMut: Mutation = (c, r, base) => {
  const t = pickBtree(r, base, c, null);
  if (!t || t.hd.type === 5) return null;
  const { p, hd, page: pg0 } = t;
  const cells = cellOffsets(pg0, hd);
  if (cells.length === 0) return null;
  const i = int(r, 0, cells.length - 1);
  const cp = cellPayload(pg0, hd, cells[i], c.pageSize);
  if (!cp) return null;
  const which = cp.rowidOff >= 0 && r() < 0.35 ? 'rowid' : 'size';
  let desc = '';
  c.edit(p.pgno, (page) => {
    const off = which === 'rowid' ? cp.rowidOff : cp.sizeOff;
    const len = which === 'rowid' ? cp.rowidLen : cp.sizeLen;
    const old = readVarint(page, off).value;
    const cands = [old + 1, old - 1, old + int(r, 2, 200), Math.max(0, old - int(r, 2, 50)), 0, 2 ** (7 * len) - 1, old * 2 + 1];
    for (let k = 0; k < 6; k++) {
      const v = pick(r, cands);
      if (writeVarintLen(page, off, v, len)) {
        desc = `cell ${i} ${which} ${old}->${v}`;
        return;
      }
    }
  });
  return desc ? `cell.varint.${which} page ${p.pgno} (${p.btree}, ${where(c, p.pgno)}) ${desc}` : null;
};

const cellRecordMut: Mutation = (c, r, base) => {
  const t = pickBtree(r, base, c, false);
  if (!t) return null;
  const { p, hd, page: pg0 } = t;
  const cells = cellOffsets(pg0, hd);
  if (cells.length === 0) return null;
  const i = int(r, 0, cells.length - 1);
  const cp = cellPayload(pg0, hd, cells[i], c.pageSize);
  if (!cp || cp.payloadOff >= pg0.length) return null;
  const hsize = readVarint(pg0, cp.payloadOff);
  // Where: the record header (serial types) or the first column's value (a table row's id, an index key).
  const target = r() < 0.4 ? 'serialtype' : 'firstvalue';
  const lo = target === 'serialtype' ? cp.payloadOff + hsize.len : cp.payloadOff + hsize.value;
  const hi = target === 'serialtype' ? cp.payloadOff + hsize.value - 1 : Math.min(cp.payloadOff + cp.local - 1, lo + 35);
  if (hi < lo || hi >= pg0.length) return null;
  const off = int(r, lo, hi);
  const bit = int(r, 0, 7);
  c.edit(p.pgno, (page) => {
    page[off] ^= 1 << bit;
  });
  return `cell.record.${target} page ${p.pgno} (${p.btree}, ${where(c, p.pgno)}) cell ${i} byte ${off}^bit${bit}`;
};

const overflowMut: Mutation = (c, r, base) => {
  if (r() < 0.5) {
    // The next-page pointer at the start of an overflow page.
    const p = pickPage(r, base, c, (x) => x.kind === 'overflow');
    if (!p) return null;
    let desc = '';
    c.edit(p.pgno, (page) => {
      const old = page.readUInt32BE(0);
      const v = childTarget(r, c, base, old, p.pgno) >>> 0;
      page.writeUInt32BE(v, 0);
      desc = `next ${old}->${v}`;
    });
    return `overflow.next page ${p.pgno} (${p.btree}, ${where(c, p.pgno)}) ${desc}`;
  }
  // The overflow page number at the end of a cell's local payload.
  for (let tries = 0; tries < 10; tries++) {
    const t = pickBtree(r, base, c, null);
    if (!t || t.hd.type === 5) continue;
    const cells = cellOffsets(t.page, t.hd);
    for (const cell of cells) {
      const cp = cellPayload(t.page, t.hd, cell, c.pageSize);
      if (!cp || cp.local >= cp.size) continue;
      const at = cp.payloadOff + cp.local;
      if (at + 4 > t.page.length) continue;
      let desc = '';
      c.edit(t.p.pgno, (page) => {
        const old = page.readUInt32BE(at);
        const v = childTarget(r, c, base, old, t.p.pgno) >>> 0;
        page.writeUInt32BE(v, at);
        desc = `cell@${cell} overflow ${old}->${v}`;
      });
      return `overflow.cellptr page ${t.p.pgno} (${t.p.btree}, ${where(c, t.p.pgno)}) ${desc}`;
    }
  }
  return null;
};

const dbHeaderMut: Mutation = (c, r) => {
  const field = weighted(r, [
    ['pagecount', 5],
    ['pagesize', 2],
    ['changecounter', 1],
    ['schemacookie', 1],
    ['encoding', 1],
    ['freelist', 1],
    ['reserved', 1],
    ['fractions', 1],
    ['fileformat', 1],
    ['schemaformat', 1],
    ['magic', 1],
    ['vacuum', 1],
  ] as const);
  // The header as SQLite reads it (page 1, maybe in the -wal), or the main file's copy.
  const inMain = r() < 0.4;
  let desc = '';
  const apply = (h: Buffer): void => {
    switch (field) {
      case 'pagecount': {
        const actual = c.pageCount();
        const v =
          pick(r, [
            0xffffffff,
            0xffffffff,
            actual + 1,
            actual + int(r, 2, 64),
            Math.max(0, actual - 1),
            0,
            int(r, 0, 0xffffffff),
            0x7fffffff,
          ]) >>> 0;
        h.writeUInt32BE(v, 28);
        const valid = r() < 0.7;
        if (valid) h.copy(h, 92, 24, 28);
        else h.writeUInt32BE((h.readUInt32BE(24) + 1) >>> 0, 92);
        desc = `page count ->${v} (offset 92 ${valid ? '=' : '≠'} 24)`;
        break;
      }
      case 'pagesize': {
        const v = pick(r, [512, 1024, 2048, 4096, 8192, 1, 0, 3, 1000, int(r, 0, 0xffff)]);
        h.writeUInt16BE(v, 16);
        desc = `page size ->${v}`;
        break;
      }
      case 'changecounter': {
        const v = int(r, 0, 0xffffffff);
        h.writeUInt32BE(v >>> 0, 24);
        desc = `change counter ->${v}`;
        break;
      }
      case 'schemacookie': {
        const v = pick(r, [h.readUInt32BE(40) + 1, 0, int(r, 0, 0xffffffff)]) >>> 0;
        h.writeUInt32BE(v, 40);
        desc = `schema cookie ->${v}`;
        break;
      }
      case 'encoding': {
        const v = pick(r, [0, 2, 3, 4, int(r, 0, 0xffffffff)]) >>> 0;
        h.writeUInt32BE(v, 56);
        desc = `text encoding ->${v}`;
        break;
      }
      case 'freelist': {
        const at = r() < 0.5 ? 32 : 36;
        const v = pick(r, [1, 2, c.pageCount(), c.pageCount() + 1, 0xffffffff, int(r, 0, 1000)]) >>> 0;
        h.writeUInt32BE(v, at);
        desc = `${at === 32 ? 'freelist trunk' : 'freelist count'} ->${v}`;
        break;
      }
      case 'reserved': {
        const v = int(r, 1, 255);
        h[20] = v;
        desc = `reserved bytes ->${v}`;
        break;
      }
      case 'fractions': {
        const at = int(r, 21, 23);
        const v = int(r, 0, 255);
        h[at] = v;
        desc = `payload fraction @${at} ->${v}`;
        break;
      }
      case 'fileformat': {
        const at = r() < 0.5 ? 18 : 19;
        const v = pick(r, [1, 3, 0, int(r, 0, 255)]);
        h[at] = v;
        desc = `file format @${at} ->${v}`;
        break;
      }
      case 'schemaformat': {
        const v = int(r, 0, 6);
        h.writeUInt32BE(v, 44);
        desc = `schema format ->${v}`;
        break;
      }
      case 'magic': {
        const at = int(r, 0, 15);
        h[at] ^= 1 << int(r, 0, 7);
        desc = `magic byte ${at}`;
        break;
      }
      case 'vacuum': {
        const v = pick(r, [1, 2, c.pageCount(), 0xffffffff]) >>> 0;
        h.writeUInt32BE(v, 52);
        desc = `largest root page ->${v}`;
        break;
      }
    }
  };
  if (inMain) {
    if (c.main.length < 100) return null;
    apply(c.main);
    return `header.${field} (main file) ${desc}`;
  }
  const ok = c.edit(1, apply);
  return ok ? `header.${field} (${where(c, 1)}) ${desc}` : null;
};

const truncateMain: Mutation = (c, r) => {
  const ps = c.pageSize;
  const pages = Math.floor(c.main.length / ps);
  const len = weighted(r, [
    [() => int(r, 1, Math.max(1, pages - 1)) * ps, 4],
    [() => int(r, 0, c.main.length - 1), 3],
    [() => 0, 1],
    [() => int(r, 1, 99), 1],
  ] as const)();
  const old = c.main.length;
  c.main = c.main.subarray(0, Math.min(len, old));
  return `main.truncate ${old}->${c.main.length}`;
};

const truncateWal: Mutation = (c, r) => {
  if (!c.wal) return null;
  const fsz = FRAME_HDR + c.pageSize;
  const frames = Math.floor((c.wal.length - WAL_HDR) / fsz);
  const len = weighted(r, [
    [() => WAL_HDR + int(r, 0, Math.max(0, frames - 1)) * fsz, 4],
    [() => int(r, 0, c.wal!.length - 1), 3],
    [() => 0, 1],
    [() => WAL_HDR, 1],
  ] as const)();
  const old = c.wal.length;
  c.wal = c.wal.subarray(0, Math.min(len, old));
  c.walChanged();
  return `wal.truncate ${old}->${c.wal.length}`;
};

function pickFrame(r: Rng, c: CaseFiles): number | null {
  const m = c.walInfo();
  if (!m || m.frameOffsets.length === 0) return null;
  if (m.validFrames > 0 && r() < 0.85) return int(r, 0, m.validFrames - 1);
  return int(r, 0, m.frameOffsets.length - 1);
}

const walFlip: Mutation = (c, r) => {
  const k = pickFrame(r, c);
  if (k === null || !c.wal) return null;
  const m = c.walInfo()!;
  const off = m.frameOffsets[k];
  const reseal = r() < 0.5;
  const at = r() < 0.2 ? off + int(r, 0, FRAME_HDR - 1) : off + FRAME_HDR + int(r, 0, c.pageSize - 1);
  const bit = int(r, 0, 7);
  c.wal[at] ^= 1 << bit;
  if (reseal) resealWal(c.wal, c.pageSize, k);
  c.walChanged();
  return `wal.flip.${reseal ? 'resealed' : 'raw'} frame ${k}/${m.frameOffsets.length} (valid ${m.validFrames}, committed ${m.committedFrames}) byte ${at - off}^bit${bit}`;
};

const walFramePgno: Mutation = (c, r) => {
  const k = pickFrame(r, c);
  if (k === null || !c.wal) return null;
  const m = c.walInfo()!;
  const off = m.frameOffsets[k];
  const old = c.wal.readUInt32BE(off);
  const n = c.pageCount();
  const other = c.wal.readUInt32BE(m.frameOffsets[int(r, 0, m.frameOffsets.length - 1)]);
  const v = pick(r, [0, int(r, 1, Math.max(1, n)), n + 1, 0xffffffff, other, old + 1]) >>> 0;
  c.wal.writeUInt32BE(v, off);
  resealWal(c.wal, c.pageSize, k);
  c.walChanged();
  return `wal.frame.pgno frame ${k} ${old}->${v} (resealed)`;
};

const walFrameCommit: Mutation = (c, r) => {
  const m = c.walInfo();
  if (!m || !c.wal || m.validFrames === 0) return null;
  const last = m.committedFrames - 1;
  const k = last >= 0 && r() < 0.6 ? last : int(r, 0, m.validFrames - 1);
  const off = m.frameOffsets[k];
  const old = c.wal.readUInt32BE(off + 4);
  const size = m.dbSize || Math.floor(c.main.length / c.pageSize);
  const v =
    pick(r, [0xffffffff, 0xffffffff, 0, size + 1, size + int(r, 2, 1000), Math.max(1, size - 1), 1, int(r, 0, 0xffffffff), size]) >>> 0;
  c.wal.writeUInt32BE(v, off + 4);
  resealWal(c.wal, c.pageSize, k);
  c.walChanged();
  return `wal.frame.commit frame ${k}${k === last ? ' (last commit)' : ''} ${old}->${v} (resealed)`;
};

const walSalt: Mutation = (c, r) => {
  const m = c.walInfo();
  if (!m || !c.wal || !m.headerOk) return null;
  const how = weighted(r, [
    ['header-only', 2],
    ['consistent', 1],
    ['frame', 3],
  ] as const);
  const w = c.wal;
  if (how === 'header-only') {
    w.writeUInt32BE((w.readUInt32BE(16) + 1) >>> 0, 16);
    sealWalHeader(w);
  } else if (how === 'consistent') {
    setWalSalts(w, c.pageSize, (m.salt1 + 7) >>> 0, m.salt2);
  } else {
    const k = pickFrame(r, c);
    if (k === null) return null;
    w.writeUInt32BE((w.readUInt32BE(m.frameOffsets[k] + 12) ^ 1) >>> 0, m.frameOffsets[k] + 12);
    c.walChanged();
    return `wal.salt.frame frame ${k} (valid ${m.validFrames}, committed ${m.committedFrames})`;
  }
  c.walChanged();
  return `wal.salt.${how}`;
};

const walHeaderMut: Mutation = (c, r) => {
  if (!c.wal || c.wal.length < WAL_HDR) return null;
  const w = c.wal;
  const field = weighted(r, [
    ['magic', 2],
    ['version', 1],
    ['pagesize', 1],
    ['ckptseq', 1],
    ['checksum', 2],
  ] as const);
  const reseal = r() < 0.6;
  let desc = '';
  switch (field) {
    case 'magic': {
      const v = r() < 0.6 ? w.readUInt32BE(0) ^ 1 : int(r, 0, 0xffffffff);
      w.writeUInt32BE(v >>> 0, 0);
      desc = `magic ->0x${(v >>> 0).toString(16)}`;
      break;
    }
    case 'version': {
      const v = pick(r, [3007001, 0, 3006000, int(r, 0, 0xffffffff)]);
      w.writeUInt32BE(v >>> 0, 4);
      desc = `version ->${v}`;
      break;
    }
    case 'pagesize': {
      const v = pick(r, [c.pageSize * 2, c.pageSize / 2, 0, 65536, int(r, 0, 0xffff)]);
      w.writeUInt32BE(v >>> 0, 8);
      desc = `page size ->${v}`;
      break;
    }
    case 'ckptseq': {
      const v = int(r, 0, 0xffffffff);
      w.writeUInt32BE(v >>> 0, 12);
      desc = `checkpoint sequence ->${v}`;
      break;
    }
    case 'checksum': {
      const at = int(r, 24, 31);
      w[at] ^= 1 << int(r, 0, 7);
      c.walChanged();
      return `wal.header.checksum byte ${at}`;
    }
  }
  if (reseal) {
    sealWalHeader(w);
    // A magic that still names a byte order: the frames re-sealed with it (a valid re-encoding).
    if (field === 'magic') resealWal(w, c.pageSize, 0);
  }
  c.walChanged();
  return `wal.header.${field} ${desc}${reseal ? ' (header re-sealed)' : ''}`;
};

const walFrames: Mutation = (c, r) => {
  const m = c.walInfo();
  if (!m || !c.wal || m.validFrames === 0) return null;
  const fsz = FRAME_HDR + c.pageSize;
  const frames = m.frameOffsets.map((o) => Buffer.from(c.wal!.subarray(o, o + fsz)));
  const tail = c.wal.subarray(WAL_HDR + frames.length * fsz);
  const how = weighted(r, [
    ['dup', 2],
    ['drop', 2],
    ['swap', 1],
  ] as const);
  const a = int(r, 0, m.validFrames - 1);
  const b = int(r, 0, m.validFrames - 1);
  let desc: string;
  if (how === 'dup') {
    frames.splice(b, 0, Buffer.from(frames[a]));
    desc = `copy of frame ${a} inserted at ${b}`;
  } else if (how === 'drop') {
    frames.splice(a, 1);
    desc = `frame ${a} removed`;
  } else {
    [frames[a], frames[b]] = [frames[b], frames[a]];
    desc = `frames ${a} and ${b} swapped`;
  }
  c.wal = Buffer.concat([c.wal.subarray(0, WAL_HDR), ...frames, tail]);
  resealWal(c.wal, c.pageSize, Math.min(a, b));
  c.walChanged();
  return `wal.frames.${how} ${desc} (valid ${m.validFrames}, committed ${m.committedFrames}; resealed)`;
};

const walGarbage: Mutation = (c, r) => {
  if (!c.wal) return null;
  const zeros = r() < 0.5;
  const w = Buffer.alloc(c.wal.length);
  if (!zeros) for (let i = 0; i < w.length; i++) w[i] = Math.floor(r() * 256);
  c.wal = w;
  c.walChanged();
  return `wal.garbage ${zeros ? 'zeros' : 'random'}`;
};

const MUTATIONS: ReadonlyArray<readonly [Mutation, number]> = [
  [pageBytes, 14],
  [btreeHeaderMut, 12],
  [cellPointerMut, 10],
  [childPointerMut, 12],
  [cellVarintMut, 8],
  [cellRecordMut, 10],
  [overflowMut, 6],
  [dbHeaderMut, 10],
  [truncateMain, 3],
  [truncateWal, 4],
  [walFlip, 10],
  [walFramePgno, 4],
  [walFrameCommit, 5],
  [walSalt, 3],
  [walHeaderMut, 4],
  [walFrames, 5],
  [walGarbage, 1],
];

// ---------------------------------------------------------------------------------------------
// Cases

/** How a case is read: fresh (caches forgotten), warm (caches of other files kept), or in place (the undamaged file read first, then damaged under the same path). */
export type ReadMode = 'fresh' | 'warm' | 'inplace';

export interface FuzzCase {
  index: number;
  base: Base;
  mode: ReadMode;
  /** Descriptions of all the case's mutations; `applied` are the indexes actually applied. */
  mutations: string[];
  applied: number[];
  main: Buffer;
  wal: Buffer | null;
}

export interface BaseFiles {
  main: Buffer;
  wal: Buffer | null;
  model: WalModel | null;
}

export function baseFiles(base: Base): BaseFiles {
  const w = base.path + '-wal';
  const wal = fs.existsSync(w) ? fs.readFileSync(w) : null;
  return { main: fs.readFileSync(base.path), wal, model: wal ? walModel(wal, base.pageSize) : null };
}

/** The case `index` of `seed`, with only the mutations in `only` (indexes) when given. */
export function makeCase(
  seed: number,
  index: number,
  bases: Base[],
  files: Map<string, BaseFiles>,
  only: number[] | null = null,
): FuzzCase {
  const r = mulberry32(mix(seed, index));
  const base = bases[Math.floor(r() * bases.length)];
  const x = r();
  const mode: ReadMode = x < 0.1 ? 'inplace' : x < 0.3 ? 'warm' : 'fresh';
  const count = weighted(r, [
    [1, 5],
    [2, 3],
    [3, 2],
  ] as const);
  const f = files.get(base.name)!;
  const c = new CaseFiles(Buffer.from(f.main), f.wal ? Buffer.from(f.wal) : null, base.pageSize, f.model);
  const mutations: string[] = [];
  const applied: number[] = [];
  for (let j = 0; j < count; j++) {
    const rj = mulberry32(mix(seed, index, j + 1));
    let desc: string | null = null;
    const skip = only !== null && !only.includes(j);
    // A mutation that does not apply to these files is replaced by another, drawn from the same stream.
    for (let tries = 0; tries < 12 && desc === null; tries++) {
      const mut = weighted(rj, MUTATIONS);
      if (skip) {
        // Still describe it (from a throwaway copy) so that the case's listing is the same.
        const scratch = new CaseFiles(Buffer.from(c.main), c.wal ? Buffer.from(c.wal) : null, c.pageSize, c.walInfo());
        desc = mut(scratch, rj, base);
      } else desc = mut(c, rj, base);
    }
    mutations.push(desc ?? 'none');
    if (!skip && desc !== null) applied.push(j);
  }
  return { index, base, mode, mutations, applied, main: c.main, wal: c.wal };
}

// ---------------------------------------------------------------------------------------------
// Comparing the reader's rows with SQLite's

/** An oracle value as the reader's documented conversion turns it into text (null: SQL NULL). */
function asText(v: OracleValue): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if ('i' in v) return String(Number(v.i));
  if ('f' in v) {
    const n = v.f === 'inf' ? Infinity : v.f === '-inf' ? -Infinity : Number(v.f);
    return String(n);
  }
  return Buffer.from(v.b, 'hex').toString('utf8');
}

function asBool(v: OracleValue): boolean {
  if (v === null) return false;
  if (typeof v === 'object' && ('i' in v || 'f' in v)) return Number('i' in v ? v.i : v.f) !== 0;
  const s = (asText(v) ?? '').trim().toLowerCase();
  return !(s === '' || s === '0' || s === 'false' || s === 'f' || s === 'no');
}

export function expectedRows(a: { topologies: OracleValue[][]; lans: OracleValue[][] }): { topologies: Topology[]; lans: Lan[] } {
  const t = (v: OracleValue): string => asText(v) ?? '';
  return {
    topologies: a.topologies.map((r) => ({ id: t(r[0]), name: t(r[1]), status: t(r[2]), mode: t(r[3]) })),
    lans: a.lans.map((r) => ({
      id: t(r[0]),
      topologyId: t(r[1]),
      name: t(r[2]),
      subnet: t(r[3]),
      isDmz: asBool(r[4]),
      dockerNetworkId: r[5] === null ? null : t(r[5]),
    })),
  };
}

function canon<T>(rows: T[], keys: (keyof T)[]): string[] {
  return rows.map((r) => JSON.stringify(keys.map((k) => r[k]))).sort();
}

/** Empty when equal (as multisets), else a short account of the difference. */
export function diffRows(got: { topologies: Topology[]; lans: Lan[] }, want: { topologies: Topology[]; lans: Lan[] }): string {
  const parts: string[] = [];
  const cmp = (what: string, a: string[], b: string[]): void => {
    const count = (xs: string[]): Map<string, number> => {
      const m = new Map<string, number>();
      for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
      return m;
    };
    const ca = count(a);
    const cb = count(b);
    const extra: string[] = [];
    const missing: string[] = [];
    for (const [k, n] of ca) for (let i = cb.get(k) ?? 0; i < n; i++) extra.push(k);
    for (const [k, n] of cb) for (let i = ca.get(k) ?? 0; i < n; i++) missing.push(k);
    if (extra.length || missing.length) {
      parts.push(
        `${what}: reader ${a.length} rows, SQLite ${b.length}` +
          (missing.length ? `; missing ${missing.length} e.g. ${missing.slice(0, 2).join(' ')}` : '') +
          (extra.length ? `; extra ${extra.length} e.g. ${extra.slice(0, 2).join(' ')}` : ''),
      );
    }
  };
  cmp('topologies', canon(got.topologies, ['id', 'name', 'status', 'mode']), canon(want.topologies, ['id', 'name', 'status', 'mode']));
  cmp(
    'lans',
    canon(got.lans, ['id', 'topologyId', 'name', 'subnet', 'isDmz', 'dockerNetworkId']),
    canon(want.lans, ['id', 'topologyId', 'name', 'subnet', 'isDmz', 'dockerNetworkId']),
  );
  return parts.join(' | ');
}

// ---------------------------------------------------------------------------------------------
// Outcomes

/** `agree` and `refused` pass; the others are failures of the property. */
export type OutcomeKind =
  | 'agree'
  | 'refused'
  | 'rows-despite-damage'
  | 'rows-differ'
  | 'non-DbReadError'
  | 'slow'
  | 'hang'
  | 'inplace-undamaged-read-failed'
  | 'oracle-crash'
  /** Refused as "changed while it was read" although nothing writes to the files. */
  | 'torn-at-rest';

export const PASSING: ReadonlySet<OutcomeKind> = new Set(['agree', 'refused']);

export interface Outcome {
  kind: OutcomeKind;
  /** The DbReadError kind when refused. */
  refusedAs?: string;
  /** True when SQLite's integrity check passed (and its rows were read). */
  oracleOk: boolean;
  ms: number;
  detail: string;
}

export const SLOW_MS = 2000;

/** The command that replays one case (`only`: the indexes of the mutations to apply). */
export function reproCommand(seed: number, index: number, only: number[] | null): string {
  return (
    `DECNET_FUZZ_SEED=${seed} DECNET_FUZZ_CASE=${index}` +
    (only ? ` DECNET_FUZZ_ONLY=${only.join(',')}` : '') +
    ' node --import tsx --test test/unit/readerFuzz.test.ts'
  );
}

// ---------------------------------------------------------------------------------------------
// The run: bases built once, cases in a child process watched for hangs

export interface CaseResult {
  i: number;
  base: string;
  mode: string;
  mutations: string[];
  applied: number[];
  outcome: Outcome;
  minimal: number[] | null;
  files?: string;
}

export interface FailureClass {
  key: string;
  count: number;
  first: CaseResult;
}

export interface FuzzSummary {
  seed: number;
  from: number;
  to: number;
  ran: number;
  elapsedMs: number;
  counts: Partial<Record<OutcomeKind, number>>;
  refusedAs: Record<string, number>;
  /** Cases SQLite's integrity check (or SQLite itself) rejected. */
  damaged: number;
  /** Passing cases where SQLite was fine but the reader refused (allowed: refusing is safe). */
  refusedWhileSqliteOk: number;
  maxReadMs: number;
  failures: CaseResult[];
  classes: FailureClass[];
}

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** First case index (default 0); with `cases` 1, a single case. */
  from?: number;
  /** Run every case (true) or stop at the first failure. */
  all: boolean;
  only?: number[] | null;
  keep?: boolean;
  /** A case that has not finished after this long is a hang: its process is killed. */
  hangMs?: number;
  /** Child processes running cases side by side (default 2). */
  jobs?: number;
  /** Called for each finished case. */
  onCase?: (r: CaseResult) => void;
  dir: string;
}

/** The kind of a mutation: its description's first word (e.g. `btree.child.dup`). */
export const mutationKind = (desc: string): string => desc.split(' ')[0];

export function classKey(r: CaseResult): string {
  const idx = r.minimal ?? r.applied;
  return `${r.outcome.kind} <- ${idx.map((j) => mutationKind(r.mutations[j])).join(' + ') || '(no mutation)'}`;
}

interface WorkerConfig {
  seed: number;
  from: number;
  to: number;
  step: number;
  basesFile: string;
  dir: string;
  stopAtFirst: boolean;
  minimize: boolean;
  only: number[] | null;
  keep: boolean;
}

interface WorkerRun {
  results: CaseResult[];
  /** The case that hung (the process was killed), or null. */
  hung: { i: number; trial: number[] | null } | null;
}

function runWorker(cfg: WorkerConfig, hangMs: number, stop: { now: boolean }, onCase?: (r: CaseResult) => void): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'readerFuzzWorker.ts'), [JSON.stringify(cfg)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const out: WorkerRun = { results: [], hung: null };
    let current: { i: number; trial: number[] | null } | null = null;
    let timer: NodeJS.Timeout | null = null;
    let settled = false;
    let done = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      child.kill('SIGKILL');
      if (err) reject(err);
      else resolve(out);
    };
    // Another worker of the run found a failure and the run stops at the first one.
    const poll = setInterval(() => {
      if (stop.now) finish();
    }, 100);
    child.on('message', (m: { t: string; [k: string]: unknown }) => {
      if (m.t === 'begin') {
        current = { i: m.i as number, trial: m.trial as number[] | null };
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          out.hung = current;
          finish();
        }, hangMs);
      } else if (m.t === 'end') {
        if (timer) clearTimeout(timer);
        timer = null;
        const r = m as unknown as CaseResult;
        out.results.push(r);
        onCase?.(r);
        if (cfg.stopAtFirst && !PASSING.has(r.outcome.kind)) {
          stop.now = true;
          finish();
        }
      } else if (m.t === 'done') {
        done = true;
        // The worker exits by itself (profilers write their files); killed if it lingers.
        const late = setTimeout(() => finish(), 5000);
        child.once('exit', () => {
          clearTimeout(late);
          finish();
        });
      } else if (m.t === 'fatal') finish(new Error(`the fuzz worker failed: ${String(m.msg)}`));
    });
    child.on('exit', (code, signal) => {
      if (!settled && !done) finish(new Error(`the fuzz worker exited (${code ?? signal}) during case ${current?.i}`));
    });
  });
}

/** Runs cases [from, from + cases) of `seed` in `jobs` child processes; builds the bases first (python3). */
export async function runFuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const t0 = Date.now();
  const hangMs = opts.hangMs ?? 4000;
  const from = opts.from ?? 0;
  const to = from + opts.cases;
  const jobs = Math.max(1, Math.min(opts.jobs ?? 2, opts.cases));
  const oracle = new Oracle();
  let bases: Base[];
  try {
    bases = await buildBases(oracle, path.join(opts.dir, 'bases'));
  } finally {
    oracle.close();
  }
  const basesFile = path.join(opts.dir, 'bases.json');
  fs.writeFileSync(basesFile, JSON.stringify(bases));
  const caseDir = path.join(opts.dir, 'cases');
  fs.mkdirSync(caseDir, { recursive: true });
  const cfg: WorkerConfig = {
    seed: opts.seed,
    from,
    to,
    step: jobs,
    basesFile,
    dir: caseDir,
    stopAtFirst: !opts.all,
    minimize: true,
    only: opts.only ?? null,
    keep: opts.keep ?? false,
  };
  const files = new Map(bases.map((b) => [b.name, baseFiles(b)]));
  const stop = { now: false };
  const results: CaseResult[] = [];
  let hangsNarrowed = 0;

  const lane = async (first: number): Promise<void> => {
    let next = first;
    while (next < to && !stop.now) {
      const run = await runWorker({ ...cfg, from: next }, hangMs, stop, opts.onCase);
      results.push(...run.results);
      if (run.hung === null) return;
      next = run.hung.i + jobs;
      // It hung while a failing case was being narrowed down: that case's own result stands.
      if (run.hung.trial !== null) continue;
      // A hang fails the case; which of its mutations hangs alone is tried, each in a process of its own.
      const c = makeCase(opts.seed, run.hung.i, bases, files, opts.only ?? null);
      const r: CaseResult = {
        i: run.hung.i,
        base: c.base.name,
        mode: c.mode,
        mutations: c.mutations,
        applied: c.applied,
        outcome: { kind: 'hang', oracleOk: false, ms: hangMs, detail: `the read did not finish in ${hangMs} ms (process killed)` },
        minimal: null,
      };
      if (c.applied.length > 1 && hangsNarrowed++ < 3) {
        for (const j of c.applied) {
          const single = { ...cfg, from: r.i, to: r.i + 1, step: 1, only: [j], minimize: false, stopAtFirst: true };
          const t = await runWorker(single, hangMs, { now: false });
          if (t.hung !== null) {
            r.minimal = [j];
            break;
          }
        }
      }
      results.push(r);
      opts.onCase?.(r);
      if (!opts.all) stop.now = true;
    }
  };
  await Promise.all(Array.from({ length: jobs }, (_, k) => lane(from + k)));

  results.sort((a, b) => a.i - b.i);
  const counts: Partial<Record<OutcomeKind, number>> = {};
  const refusedAs: Record<string, number> = {};
  let damaged = 0;
  let refusedWhileSqliteOk = 0;
  let maxReadMs = 0;
  const classes = new Map<string, FailureClass>();
  for (const r of results) {
    const k = r.outcome.kind;
    counts[k] = (counts[k] ?? 0) + 1;
    if (!r.outcome.oracleOk) damaged++;
    if (k !== 'hang') maxReadMs = Math.max(maxReadMs, r.outcome.ms);
    if (k === 'refused') {
      refusedAs[r.outcome.refusedAs ?? '?'] = (refusedAs[r.outcome.refusedAs ?? '?'] ?? 0) + 1;
      if (r.outcome.oracleOk) refusedWhileSqliteOk++;
    }
    if (!PASSING.has(k)) {
      const key = classKey(r);
      const fc = classes.get(key);
      if (fc) fc.count++;
      else classes.set(key, { key, count: 1, first: r });
    }
  }
  return {
    seed: opts.seed,
    from,
    to,
    ran: results.length,
    elapsedMs: Date.now() - t0,
    counts,
    refusedAs,
    damaged,
    refusedWhileSqliteOk,
    maxReadMs,
    failures: results.filter((r) => !PASSING.has(r.outcome.kind)),
    classes: [...classes.values()].sort((a, b) => b.count - a.count),
  };
}

/** One failing case, told so that it can be replayed. */
export function describeFailure(seed: number, r: CaseResult): string {
  const lines = [
    `case ${r.i} (base ${r.base}, read ${r.mode}): ${r.outcome.kind} — ${r.outcome.detail}`,
    ...r.mutations.map((m, j) => `  ${r.applied.includes(j) ? (r.minimal?.includes(j) ? '*' : '+') : ' '} [${j}] ${m}`),
    `  replay: ${reproCommand(seed, r.i, null)}`,
  ];
  if (r.minimal) lines.push(`  smallest (mutations marked *): ${reproCommand(seed, r.i, r.minimal)}`);
  return lines.join('\n');
}

export function formatSummary(s: FuzzSummary): string {
  const lines = [
    `reader fuzz: seed ${s.seed}, cases ${s.from}..${s.to - 1}: ${s.ran} run in ${(s.elapsedMs / 1000).toFixed(1)} s` +
      ` (slowest read ${s.maxReadMs} ms)`,
    `  outcomes: ${Object.entries(s.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `  refused as: ${
      Object.entries(s.refusedAs)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || '-'
    };` + ` SQLite rejected ${s.damaged}; refused although SQLite was fine: ${s.refusedWhileSqliteOk}`,
  ];
  if (s.classes.length) {
    lines.push(`  failure classes (${s.failures.length} failing cases):`);
    for (const c of s.classes) {
      lines.push(`  - ${c.key}: ${c.count} case(s); first:`);
      lines.push(describeFailure(s.seed, c.first).replace(/^/gm, '      '));
    }
  }
  return lines.join('\n');
}
