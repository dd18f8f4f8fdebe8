import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './context.ts';

export interface SmallDisk {
  path: string;
  /** `tmpfs` when a real small file system was mounted, else `page-count` (SQLite's limit). */
  kind: 'tmpfs' | 'page-count';
  remove(): void;
}

/**
 * A data folder that runs out of space: a tmpfs of `megabytes` where this process may mount
 * one (root in a container), else a plain folder whose test applies SQLite's max_page_count.
 */
export function smallDisk(megabytes: number): SmallDisk {
  const dir = tempDir('sb-small-disk-');
  const path = join(dir.path, 'data');
  mkdirSync(path);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', path], {
      stdio: 'ignore',
    });
  } catch {
    return { path, kind: 'page-count', remove: dir.remove };
  }
  return {
    path,
    kind: 'tmpfs',
    remove: () => {
      execFileSync('umount', ['-l', path], { stdio: 'ignore' });
      dir.remove();
    },
  };
}
