// When a file's stamp (size, mtime, ctime, inode) proves the file unchanged: git's "racy clean"
// rule.
//
// A write sets a file's mtime and ctime to the kernel's clock as it was at the last timer tick,
// not to the exact moment: on Linux before 6.13 (Debian 12, Ubuntu 24.04), and on ramfs still,
// every write within one tick (1-10 ms: HZ is at least 100) gets the same times. A file
// rewritten in place within the tick of its last write (a checkpoint with TRUNCATE, a
// rollback-mode commit) then keeps its size and both times: its stamp says "unchanged" while its
// content changed. A stamp recorded at time `now` therefore proves something only when the file's
// last change is well before `now`: every later write is then stamped later, and the stamp
// differs. Such a stamp is "settled". An unsettled stamp proves nothing: compare content.
//
// The margin must exceed how far a file time can lag the clock it is compared with, plus the
// file system's own granularity:
//  - 100 ms when either time has a sub-second part: the kernel's coarse clock lags by at most one
//    tick (10 ms at HZ=100), and the file system keeps at least 10 ms (exFAT's 10 ms; the others
//    keep nanoseconds). Ten ticks at the slowest timer: a timer interrupt delayed by a few ticks
//    (a busy host, a virtual machine whose timekeeping CPU was not scheduled for a while, a
//    tickless CPU waking up) still falls well inside it.
//  - 3 s when both times are whole seconds: a file system keeping seconds (ext3's small inodes,
//    HFS+) or two seconds (FAT's mtime, rounded down), plus the tick. On a sub-second file system
//    both times are whole seconds by chance about once in ten million writes: a longer wait,
//    never a wrong answer.
// `now` is taken before the stat, so a write that lands between the two counts as after it.
//
// Never settled:
//  - on file systems whose times are set by another machine's clock (NFS, SMB/CIFS, FUSE, 9p,
//    Ceph, AFS, cluster file systems...): that clock is not ours, and clients cache attributes;
//  - when the time is later than `now` (a clock set back, a file copied from a machine ahead):
//    now − time is negative, so the rule above already says no until the clock has passed it.
import * as fs from 'node:fs';

/** Margin for times with a sub-second part. */
export const SETTLE_MARGIN_MS = 100;
/** Margin when both times are whole seconds (file systems keeping 1 or 2 s). */
export const WHOLE_SECOND_SETTLE_MARGIN_MS = 3000;

export interface StampTimes {
  mtimeMs: number;
  ctimeMs: number;
}

/** How long after the file's last change its stamp is settled (see above). */
export function settleMarginMs(t: StampTimes): number {
  return t.mtimeMs % 1000 === 0 && t.ctimeMs % 1000 === 0 ? WHOLE_SECOND_SETTLE_MARGIN_MS : SETTLE_MARGIN_MS;
}

/**
 * The moment (ms since the epoch, as Date.now()) after which a stat of this file gives a settled
 * stamp, while the file does not change: its last change (the later of mtime and ctime) plus the
 * margin. Infinity when its times come from another machine's clock (`serverClock`).
 */
export function settlesAt(t: StampTimes, serverClock: boolean): number {
  if (serverClock) return Infinity;
  const last = Math.max(t.mtimeMs, t.ctimeMs);
  return Number.isFinite(last) ? last + settleMarginMs(t) : Infinity;
}

/**
 * True when a stamp with these times, from a stat that began at `nowMs`, is settled: equal later,
 * it proves the file unchanged since. False when the file changed within the margin before
 * `nowMs`, when a time is after `nowMs`, and always when `serverClock`.
 */
export function isSettled(t: StampTimes, nowMs: number, serverClock: boolean): boolean {
  return nowMs > settlesAt(t, serverClock);
}

/**
 * File system types (statfs f_type) whose file times are set by another machine's clock: network
 * and cluster file systems, and FUSE (sshfs, virtiofs, s3fs...: the daemon decides).
 */
const SERVER_CLOCK_TYPES: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'],
  [0x517b, 'smb'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x65735546, 'fuse'],
  [0x01021997, '9p'],
  [0x00c36400, 'ceph'],
  [0x5346414f, 'afs'],
  [0x6b414653, 'kafs'],
  [0x73757245, 'coda'],
  [0x564c, 'ncp'],
  [0x0bd00bd0, 'lustre'],
  [0x01161970, 'gfs2'],
  [0x7461636f, 'ocfs2'],
  [0x47504653, 'gpfs'],
  [0x20030528, 'orangefs'],
  [0x786f4256, 'vboxsf'],
  [0x7c7c6673, 'prl_fs'],
]);

/** The name of a file system type whose times another machine's clock sets, or null. */
export function serverClockFsName(statfsType: number): string | null {
  return SERVER_CLOCK_TYPES.get(statfsType >>> 0) ?? null;
}

/**
 * What each device's file system is, looked up once per device and remembered a while: a device
 * number is reused when another file system is mounted after one is unmounted.
 */
const byDevice = new Map<number, { fsName: string | null; until: number }>();
const REMEMBER_MS = 10_000;
const REMEMBER_MAX = 16;

/**
 * The name of the file system holding `p` (on device `dev`) when its file times are set by
 * another machine's clock, else null. A file system that cannot be asked counts as one.
 */
export function serverClockFs(p: string, dev: number): string | null {
  const now = Date.now();
  const known = byDevice.get(dev);
  if (known !== undefined && known.until > now) return known.fsName;
  let fsName: string | null;
  try {
    fsName = serverClockFsName(fs.statfsSync(p).type);
  } catch {
    return 'unknown'; // not remembered: asked again next time
  }
  byDevice.delete(dev);
  byDevice.set(dev, { fsName, until: now + REMEMBER_MS });
  while (byDevice.size > REMEMBER_MAX) byDevice.delete(byDevice.keys().next().value as number);
  return fsName;
}
