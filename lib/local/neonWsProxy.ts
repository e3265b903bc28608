/**
 * A local WebSocket→TCP proxy speaking the shape Neon's serverless driver expects
 * (`ws://host:port/v1?address=<pg host>:<pg port>`), so the production driver can run against a
 * local Postgres server in tests and development. Plain `ws://`, no TLS: local use only.
 */
import { createConnection } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface NeonWsProxy {
  /** `127.0.0.1:<port>`: the value for `NEON_WS_PROXY`. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Starts the proxy on a free port of 127.0.0.1. Only the addresses in `allow` (default: the
 * local Postgres) can be reached through it, so it cannot be used to probe other hosts.
 */
export async function startNeonWsProxy(
  options: { allow?: readonly string[]; port?: number } = {},
): Promise<NeonWsProxy> {
  const allow = new Set(options.allow ?? ["127.0.0.1:5432", "localhost:5432"]);
  const server = new WebSocketServer({ host: "127.0.0.1", port: options.port ?? 0 });
  const sockets = new Set<WebSocket>();

  server.on("connection", (socket, request) => {
    const target = new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "";
    const [host, port] = target.split(":");
    if (!allow.has(target) || host === undefined || port === undefined) {
      socket.close(1008, "address not allowed");
      return;
    }
    sockets.add(socket);
    const tcp = createConnection({ host, port: Number(port) });
    tcp.on("data", (chunk) => socket.send(chunk));
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.close());
    socket.on("message", (data: Buffer) => tcp.write(data));
    socket.on("close", () => {
      sockets.delete(socket);
      tcp.destroy();
    });
    socket.on("error", () => tcp.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const bound = server.address();
  if (bound === null || typeof bound === "string") throw new Error("proxy has no TCP address");

  return {
    address: `127.0.0.1:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
      }),
  };
}
