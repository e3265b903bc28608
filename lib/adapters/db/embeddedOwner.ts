/**
 * One owner per embedded (PGlite) data directory.
 *
 * PGlite is Postgres in one process: two processes that open the same directory each keep
 * their own copy of its pages and overwrite each other's writes. So the first process to open a
 * directory takes its lock (proper-lockfile: an atomic `mkdir` of `<dir>.lock`, touched every few
 * seconds so that a killed owner's lock goes stale and is taken over) and becomes its owner:
 * it opens PGlite and serves it over a Unix socket (`@electric-sql/pglite-socket`, the Postgres
 * wire protocol). Every process — the owner's own work included — talks to the database through
 * that socket with node-postgres: the socket server runs one statement at a time and, while a
 * connection is inside a transaction, only that connection's statements, so two commands never
 * interleave inside each other's transactions. Another process finds the socket in the owner
 * file (`<dir>.owner.json`) and connects; while the owner is still starting (or shutting down,
 * or gone with its lock not yet stale) it waits up to `waitSeconds`, saying so, then fails
 * with one line. An owner that is done waits for the commands still connected to it before it
 * closes the database and releases the lock.
 */
import { access, constants, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StoreUnavailableError } from "./errors.js";

/** How long an owner may go without touching its lock before others take it over. */
export const LOCK_STALE_MS = 20_000;
/** How often the owner touches its lock. */
const LOCK_UPDATE_MS = 4_000;
/** How often a waiting process looks again. */
const POLL_MS = 250;
/** The socket file name node-postgres looks for in a socket directory (port 5432). */
const SOCKET_NAME = ".s.PGSQL.5432";
/** The prefix of an owner's socket directory in the system's temporary directory. */
const SOCKET_DIR_PREFIX = "contact-sync-";

/** Who owns a data directory, as its owner file says. */
export interface EmbeddedOwner {
  pid: number;
  hostname: string;
  /** The command that owns it (`import`, `start`, …), for the messages of those who wait. */
  command: string;
  started_at: string;
  /** The directory of the Unix socket, once the owner serves. */
  socket_dir: string | null;
}

export interface EmbeddedAccess<C> {
  /** The data directory (absolute). */
  dataDir: string;
  /** The connection made through the socket (by `connect`). */
  connection: C;
  /** Whether this process owns the directory (and serves it). */
  owner: boolean;
  /**
   * Releases what this process holds, after the caller closed its connection: an owner waits
   * for the other processes connected to it, stops serving and releases the lock.
   */
  release(notice: (line: string) => void): Promise<void>;
}

/** How a process connects through a socket directory: `null` when nobody answers there. */
export type Connect<C> = (socketDir: string) => Promise<C | null>;

export interface EmbeddedOptions {
  /** How long to wait for a directory another process holds (seconds). */
  waitSeconds: number;
  /** The command, written in the owner file. */
  command: string;
  /** One line for a person (waiting, connecting through another process). */
  notice: (line: string) => void;
  /** Called when this owner's lock was taken over (it must stop writing at once). */
  onLockLost: (line: string) => void;
}

/** `<dir>.owner.json`. */
export function ownerFile(dataDir: string): string {
  return `${dataDir}.owner.json`;
}

/** `<dir>.lock`. */
export function lockPath(dataDir: string): string {
  return `${dataDir}.lock`;
}

/**
 * Creates the data directory's missing levels one at a time. (A recursive `mkdir` under `/proc`
 * never returns on Node 24: an unusable directory must fail at once, with a reason.)
 */
async function ensureDirectory(path: string, label: string): Promise<void> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) throw unusable(label, `${current} is not a directory`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw asUnusable(error, label);
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) throw unusable(label, "no such file or directory");
      current = parent;
    }
  }
  try {
    await access(current, constants.W_OK);
    for (const level of missing) await mkdir(level);
    // The lock and owner files live next to the directory.
    await access(dirname(path), constants.W_OK);
    await access(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw asUnusable(error, label);
  }
}

function unusable(label: string, reason: string): StoreUnavailableError {
  return new StoreUnavailableError(
    `cannot use the embedded database ${label}: ${reason}`,
    undefined,
  );
}

function asUnusable(error: unknown, label: string): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EROFS: "read-only file system",
    ENOTDIR: "a part of the path is not a directory",
  };
  return unusable(label, (code && reasons[code]) ?? code ?? "unknown error");
}

async function readOwner(dataDir: string): Promise<EmbeddedOwner | null> {
  try {
    return JSON.parse(await readFile(ownerFile(dataDir), "utf8")) as EmbeddedOwner;
  } catch {
    return null;
  }
}

/** Whether a process of this machine is alive (`kill 0` signals nothing). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function describe(owner: EmbeddedOwner | null): string {
  if (owner === null) return "another contact-sync process";
  return `contact-sync ${owner.command} (pid ${owner.pid})`;
}

/** Takes the directory's lock, or `null` when another process holds it. */
async function tryLock(dataDir: string, onLockLost: (line: string) => void) {
  const lockfile = await import("proper-lockfile");
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: lockPath(dataDir),
      realpath: false,
      stale: LOCK_STALE_MS,
      update: LOCK_UPDATE_MS,
      retries: 0,
      onCompromised: () =>
        onLockLost(
          `lost the lock of the embedded database ${dataDir} (this process stalled for over ${LOCK_STALE_MS / 1000} s and another took it over): stopping`,
        ),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOCKED") return null;
    throw asUnusable(error, dataDir);
  }
}

/**
 * Gets access to an embedded data directory: as its owner (PGlite opened and served on a fresh
 * socket by `serve`), or through the socket of the process that owns it.
 */
export async function accessEmbedded<C>(
  dataDirectory: string,
  options: EmbeddedOptions,
  serve: (dataDir: string, socketPath: string) => Promise<EmbeddedServer>,
  connect: Connect<C>,
): Promise<EmbeddedAccess<C>> {
  const dataDir = resolve(dataDirectory);
  await ensureDirectory(dataDir, dataDir);
  const deadline = Date.now() + options.waitSeconds * 1000;
  let told = "";
  const tell = (line: string) => {
    if (line !== told) options.notice(line);
    told = line;
  };
  for (;;) {
    const release = await tryLock(dataDir, options.onLockLost);
    if (release !== null) return becomeOwner(dataDir, release, options, serve, connect);
    const owner = await readOwner(dataDir);
    const connection = owner?.socket_dir ? await connect(owner.socket_dir) : null;
    if (connection !== null) {
      options.notice(`Using the embedded database through ${describe(owner)}, which has it open.`);
      return { dataDir, connection, owner: false, release: async () => {} };
    }
    if (Date.now() >= deadline) {
      throw new StoreUnavailableError(
        `the embedded database ${dataDir} is held by ${describe(owner)}; waited ${options.waitSeconds} s (--wait <s> to wait longer)`,
        undefined,
      );
    }
    if (owner !== null && owner.hostname === hostname() && !alive(owner.pid)) {
      tell(
        `The embedded database ${dataDir} was held by ${describe(owner)}, which is gone: taking it over when its lock goes stale (under ${LOCK_STALE_MS / 1000} s)…`,
      );
    } else {
      tell(
        `Waiting for ${describe(owner)} to open the embedded database ${dataDir} (up to ${options.waitSeconds} s, --wait <s>)…`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** What serves a directory: stopped when its owner closes. */
export interface EmbeddedServer {
  /** Connections of other processes still open. */
  otherConnections(): number;
  stop(): Promise<void>;
}

async function becomeOwner<C>(
  dataDir: string,
  release: () => Promise<void>,
  options: EmbeddedOptions,
  serve: (dataDir: string, socketPath: string) => Promise<EmbeddedServer>,
  connect: Connect<C>,
): Promise<EmbeddedAccess<C>> {
  const owner: EmbeddedOwner = {
    pid: process.pid,
    hostname: hostname(),
    command: options.command,
    started_at: new Date().toISOString(),
    socket_dir: null,
  };
  let socketDir: string | undefined;
  let server: EmbeddedServer | undefined;
  let connection: C | null = null;
  try {
    await removeLeftSocket(await readOwner(dataDir));
    await writeFile(ownerFile(dataDir), JSON.stringify(owner));
    // A short path of its own: a Unix socket path is limited to ~100 bytes.
    socketDir = await mkdtemp(join(tmpdir(), SOCKET_DIR_PREFIX));
    server = await serve(dataDir, join(socketDir, SOCKET_NAME));
    connection = await connect(socketDir);
    if (connection === null) throw unusable(dataDir, "its socket does not answer");
    await writeFile(ownerFile(dataDir), JSON.stringify({ ...owner, socket_dir: socketDir }));
  } catch (error) {
    await server?.stop().catch(() => {});
    await cleanUp(dataDir, socketDir, release);
    throw error;
  }
  const serving = server;
  const dir = socketDir;
  return {
    dataDir,
    connection,
    owner: true,
    release: async (notice) => {
      // Those connected finish their work first; then nobody can connect any more.
      // (This process's own connections take a moment to be seen closed: no word for that.)
      const quietUntil = Date.now() + 1_000;
      let said = false;
      while (serving.otherConnections() > 0) {
        if (!said && Date.now() >= quietUntil) {
          notice(
            `Waiting for ${serving.otherConnections()} other contact-sync command(s) using the embedded database through this one to finish…`,
          );
          said = true;
        }
        await sleep(POLL_MS);
      }
      try {
        await serving.stop();
      } finally {
        await cleanUp(dataDir, dir, release);
      }
    },
  };
}

/**
 * Removes the socket directory an owner that was killed left behind (its lock, now ours, went
 * stale): only a directory this module makes, in this machine's temporary directory.
 */
async function removeLeftSocket(previous: EmbeddedOwner | null): Promise<void> {
  const dir = previous?.socket_dir;
  if (!dir || previous?.hostname !== hostname()) return;
  const ours = resolve(tmpdir());
  if (dirname(resolve(dir)) !== ours || !basename(dir).startsWith(SOCKET_DIR_PREFIX)) return;
  await rm(dir, { recursive: true, force: true }).catch(() => {});
}

async function cleanUp(
  dataDir: string,
  socketDir: string | undefined,
  release: () => Promise<void>,
): Promise<void> {
  await rm(ownerFile(dataDir), { force: true });
  if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true });
  await release().catch(() => {});
}
