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
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Left behind: its name says it is temporary.
    }
    throw new LayerwiseError(`${where}: could not write ${path}: ${(error as Error).message}`);
  }
}

/**
 * Writes a new file and flushes it to the disk, in place (no rename): for a file whose name says
 * it is temporary. Fails if the file exists; a failed write removes what it wrote.
 */
export function writeNewFile(path: string, data: string | Uint8Array, where: string): void {
  const fs = nodeFs(where);
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'wx');
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    const opened = fd;
    fd = undefined;
    fs.closeSync(opened);
  } catch (error) {
    try {
      if (fd !== undefined) {
        fs.closeSync(fd);
        fs.rmSync(path, { force: true });
      }
    } catch {
      // Left behind: its name says it is temporary.
    }
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

/**
 * A file `readRegularFile` did not read: its path, the reason in words (`is a symbolic link (to
 * /dev/zero). ...`, or Node's message), and the code (Node's, or ENOTREG, ELOOP, EFBIG, ECHANGED).
 * `refused` tells a file refused for what it is from one the system could not open.
 */
export class FileRefusedError extends LayerwiseError {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code?: string,
    readonly refused = true,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** A byte count for messages: `812 bytes`, `3.2 MiB`, `11.9 GiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/** What an lstat/fstat says a file is, when it is not a regular file. */
function kindOf(stat: NodeFs.Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function refused(fs: typeof NodeFs, path: string, stat: NodeFs.Stats): FileRefusedError {
  return stat.isSymbolicLink() ? linkRefused(fs, path) : new FileRefusedError(path, `is ${kindOf(stat)}, not a regular file.`, 'ENOTREG');
}

function linkRefused(fs: typeof NodeFs, path: string): FileRefusedError {
  let target = '';
  try {
    const to = fs.readlinkSync(path);
    target = ` (to ${to.length > 200 ? `${to.slice(0, 197)}...` : to})`;
  } catch {
    // Gone meanwhile: say it was a link.
  }
  return new FileRefusedError(path, `is a symbolic link${target}. Links are not followed: put the file itself in its place.`, 'ELOOP');
}

function systemError(path: string, error: unknown): FileRefusedError {
  if (error instanceof FileRefusedError) return error;
  const e = error as NodeJS.ErrnoException;
  return new FileRefusedError(path, e?.message ?? String(error), e?.code, false);
}

/** The lstat of `path`, which must be a regular file (a symbolic link is refused, not followed). */
function lstatRegular(fs: typeof NodeFs, path: string): NodeFs.Stats {
  let stat: NodeFs.Stats;
  try {
    stat = fs.lstatSync(path);
  } catch (error) {
    throw systemError(path, error);
  }
  if (!stat.isFile()) throw refused(fs, path, stat);
  return stat;
}

/**
 * The size of `path`, which must be a regular file, checked without opening it (lstat: a symbolic
 * link is refused, not followed). For checking sizes before reading; `readRegularFile` checks again.
 */
export function regularFileSize(path: string, where: string): number {
  return lstatRegular(nodeFs(where), path).size;
}

/**
 * Reads a file that must be a regular file of at most `maxBytes` (`limit` names the limit in the
 * error: `the 64 MiB limit for a model.json`). For files an untrusted archive may have put in
 * place: a symbolic link is refused, never followed, and a FIFO, a device, a socket or a directory
 * is refused without being read, so nothing blocks and nothing grows without end. The type is
 * checked by lstat before the open (no device or FIFO is opened by a path that names one) and
 * again by fstat on the opened descriptor, which must be the file lstat saw: a file swapped in
 * between fails. The open uses O_NOFOLLOW and O_NONBLOCK where the platform has them, so a link
 * swapped in is refused by the kernel and a FIFO swapped in cannot block the open. The read stops
 * at the size fstat gave: a file that grows or shrinks while read fails. Fails with a
 * FileRefusedError.
 */
export function readRegularFile(path: string, maxBytes: number, where: string, limit = `the limit of ${formatBytes(maxBytes)}`): Uint8Array {
  const fs = nodeFs(where);
  const seen = lstatRegular(fs, path);
  const tooLarge = (n: number) => new FileRefusedError(path, `is ${formatBytes(n)}, more than ${limit}.`, 'EFBIG');
  if (seen.size > maxBytes) throw tooLarge(seen.size);
  const { O_RDONLY = 0, O_NOFOLLOW = 0, O_NONBLOCK = 0 } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    // O_NOFOLLOW's refusal: a link was swapped in after lstat.
    throw code === 'ELOOP' || code === 'EMLINK' ? linkRefused(fs, path) : systemError(path, error);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw refused(fs, path, stat);
    if (stat.ino !== seen.ino || stat.dev !== seen.dev) throw new FileRefusedError(path, 'was replaced while being opened.', 'ECHANGED');
    if (stat.size > maxBytes) throw tooLarge(stat.size);
    const data = new Uint8Array(stat.size);
    let read = 0;
    while (read < data.byteLength) {
      const n = fs.readSync(fd, data, read, data.byteLength - read, null);
      if (n === 0) throw new FileRefusedError(path, `shrank while being read (${read} of ${stat.size} bytes).`, 'ECHANGED');
      read += n;
    }
    if (fs.readSync(fd, new Uint8Array(1), 0, 1, null) !== 0) throw new FileRefusedError(path, 'grew while being read.', 'ECHANGED');
    return data;
  } catch (error) {
    throw systemError(path, error);
  } finally {
    fs.closeSync(fd);
  }
}
