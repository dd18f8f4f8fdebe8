import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One running demo per data folder: two would write the same SQLite files and logins. The
 * claim is a file naming the owner's pid; a claim whose process is gone is taken over, as
 * after a power cut.
 */
export function claimFolder(folder: string, command: string): () => void {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, '.in-use');
  const owner = readOwner(file);
  if (owner !== null && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `${folder} is in use by another ${command} (pid ${owner}); stop it, or give this one ` +
        'its own --data-dir',
    );
  }

  writeFileSync(file, `${process.pid}\n`);
  return () => {
    if (readOwner(file) === process.pid) rmSync(file, { force: true });
  };
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, which still holds the folder.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
