import type * as NodeFs from 'node:fs';
import type * as NodePath from 'node:path';
import { LayerwiseError } from './errors';

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * Node's built-in module `id`, loaded at call time through `process.getBuiltinModule` (Node
 * 20.16+), so that no bundle ever imports a Node built-in statically and the library still loads
 * in a browser. Outside Node the call fails with a message naming `where`.
 */
function builtin<T>(id: string, where: string): T {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const module = proc?.getBuiltinModule?.(id);
  if (!module) {
    throw new LayerwiseError(
      `${where}: writing and reading files needs Node.js 20.16 or later (node:${id} is not available here). ` +
        `In a browser, use the in-memory forms instead.`,
    );
  }
  return module as T;
}

export function nodeFs(where: string): typeof NodeFs {
  return builtin<typeof NodeFs>('fs', where);
}

export function nodePath(where: string): typeof NodePath {
  return builtin<typeof NodePath>('path', where);
}

/**
 * Writes a file atomically: the data goes to a temporary file beside it, flushed to the disk, which
 * then replaces the target by rename. A failure midway (a full disk, a crash) leaves the previous
 * file as it was.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, where: string): void {
  const fs = nodeFs(where);
  const temp = `${path}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, path);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new LayerwiseError(`${where}: could not write ${path}: ${(error as Error).message}`);
  }
}

/**
 * Flushes a directory's entries (the renames done in it) to the disk, where the platform allows it
 * (not on Windows, where opening a directory fails: renames there are flushed by the file system).
 */
export function syncDirectory(dir: string, where: string): void {
  const fs = nodeFs(where);
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported for directories here.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
