// Helpers for tests of the SQLite reader (src/core/db): a whole -wal validated in memory, and the
// whole database image of a snapshot.
import { findCommitFrame, WalValidator, WAL_HEADER_SIZE, type WalState } from '../../src/core/db/walIndex';
import type { Snapshot } from '../../src/core/db/walSnapshot';

/** Validates a whole log held in memory, as the reader validates a -wal file. */
export function validateWalBytes(wal: Buffer): WalState {
  const v = WalValidator.fromHeader(wal.subarray(0, Math.min(wal.length, WAL_HEADER_SIZE)));
  if (v.open) v.feed(wal.subarray(WAL_HEADER_SIZE));
  let later = 0;
  if (v.stoppedAt >= 0) {
    const st = v.state(wal.length);
    const from = v.stoppedAt + v.frameSize;
    const at = findCommitFrame(wal.subarray(from), from, v.frameSize, st.salt1, st.salt2);
    if (at >= 0) later = (at - WAL_HEADER_SIZE) / v.frameSize + 1;
  }
  return v.state(wal.length, later);
}

/**
 * The whole database of a snapshot as one image, page 1 saying "rollback journal mode, this many
 * pages, header size trustworthy" so that SQLite opens it without looking for a -wal.
 */
export function snapshotImage(s: Snapshot): Buffer {
  const image = Buffer.allocUnsafe(s.pageCount * s.pageSize);
  for (let n = 1; n <= s.pageCount; n++) s.readPageInto(n, image.subarray((n - 1) * s.pageSize, n * s.pageSize));
  if (image[18] === 2) image[18] = 1;
  if (image[19] === 2) image[19] = 1;
  image.writeUInt32BE(s.pageCount, 28);
  image.writeUInt32BE(image.readUInt32BE(24), 92);
  return image;
}
