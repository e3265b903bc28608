/**
 * The order in which the embedded database's socket server hands protocol messages of several
 * connections to PGlite, which has one session for all of them.
 *
 * pglite-socket's own queue (0.2.17) keeps a connection's turn only inside a SQL transaction.
 * But a parameterised query outside one is several messages (Parse, Bind, Describe, Execute,
 * Sync) whose unnamed statement and portal live in that one session until Sync: when two
 * connections query at once, the other's Parse lands between them and a query silently runs the
 * other's statement (wrong rows, no error). A thrown error also left its queue stuck. Upstream:
 * electric-sql/pglite issue #1046.
 *
 * This queue keeps a connection's turn from its first message until the backend is idle again:
 * after a Sync or a simple Query that leaves no transaction open (a transaction keeps the turn
 * until it ends, as before). Messages of other connections wait meanwhile. A connection that
 * goes away gives up its turn (its open transaction rolled back). It replaces the server's
 * queue object before the server starts (`useSessionQueue`), with the same four methods.
 */
import type { PGlite } from "@electric-sql/pglite";

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/** Frontend message types after which the backend is idle unless a transaction is open. */
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'

export class SessionQueue {
  private readonly queue: Pending[] = [];
  private processing = false;
  /** The connection whose turn it is, until the backend is idle again. */
  private owner: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const pending = this.queue[i];
      if (pending?.handlerId === handlerId) {
        this.queue.splice(i, 1);
        pending.reject(new Error("Handler disconnected"));
      }
    }
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.owner = null;
    await this.process();
  }

  /** The next message to run: the owner's while it has the turn, else the oldest. */
  private next(): Pending | undefined {
    if (this.owner === null) return this.queue.shift();
    const index = this.queue.findIndex((pending) => pending.handlerId === this.owner);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let pending = this.next(); pending !== undefined; pending = this.next()) {
        const { handlerId, message, onData } = pending;
        this.owner = handlerId;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(message, {
              onRawData: (data) => {
                bytes += data.length;
                onData(data);
              },
            }),
          );
        } catch (error) {
          // The backend answered with an error message already; the connection goes on.
          this.releaseIfIdle(message);
          pending.reject(error);
          continue;
        }
        this.releaseIfIdle(message);
        pending.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }

  /** Ends the owner's turn when its message left the backend idle. */
  private releaseIfIdle(message: Uint8Array): void {
    const type = message[0];
    if ((type === SYNC || type === QUERY) && !this.db.isInTransaction()) this.owner = null;
  }
}

/** Replaces a not yet started `PGLiteSocketServer`'s queue with a `SessionQueue`. */
export function useSessionQueue(server: object, db: PGlite): void {
  const target = server as { queryQueue?: unknown };
  if (target.queryQueue === undefined) {
    throw new Error("pglite-socket changed: its server has no queryQueue to replace");
  }
  target.queryQueue = new SessionQueue(db);
}
