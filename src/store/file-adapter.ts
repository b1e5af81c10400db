import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';

/** A store file exists but is not valid JSON: refuse to start rather than overwrite it. */
export class StoreFileError extends Error {
  constructor(
    public readonly path: string,
    reason: string,
  ) {
    super(`Store file ${path} cannot be read (${reason}). It has not been changed; restore it from a backup or move it away to start fresh.`);
    this.name = 'StoreFileError';
  }
}

/**
 * lowdb adapter that survives `kill -9`: writes a temp file, fsyncs it, renames it over the
 * target (atomic on POSIX) and fsyncs the directory so the rename itself is durable.
 * lowdb's own TextFile adapter never fsyncs.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  constructor(private readonly path: string) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StoreFileError(this.path, (err as Error).message);
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new StoreFileError(this.path, `invalid JSON: ${(err as Error).message}`);
    }
  }

  async write(data: T): Promise<void> {
    const text = JSON.stringify(data);
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await syncDir(dirname(this.path));
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}
