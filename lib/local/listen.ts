/**
 * Listening on a local port for the local stack and the ResMan stand-in, with the failure a
 * user meets there (the port already taken: another `contact-sync start` or `resman-stub` in a
 * second terminal) said in one line with what to do, instead of the runtime's error.
 */

import { once } from "node:events";
import type { Server } from "node:http";
import { ContactSyncError } from "../domain/errors.js";

/** The port is taken, or this user may not listen on it. */
export class PortUnavailableError extends ContactSyncError {
  readonly retryable = false;
  readonly code = "port_unavailable";
}

/** `host:port` as a URL writes it (an IPv6 host in brackets). */
export function hostAndPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/**
 * Starts `server` listening on `host:port` (0: any free port); resolves once it listens. The
 * messages name `--port`, the option of both commands that listen.
 */
export async function listenLocally(server: Server, port: number, host: string): Promise<void> {
  server.listen(port, host);
  try {
    await once(server, "listening");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const address = hostAndPort(host, port);
    if (code === "EADDRINUSE") {
      throw new PortUnavailableError(
        `${address} is already in use (another contact-sync start or resman-stub?): stop it, or choose another port with --port <n> (0: any free port)`,
        { cause: error },
      );
    }
    if (code === "EACCES") {
      throw new PortUnavailableError(
        `not allowed to listen on ${address}: choose a port above 1023 with --port <n>`,
        { cause: error },
      );
    }
    throw error;
  }
}
