/**
 * The HTTP plumbing of the ResMan stand-in: a reply as a value (status, content type, body,
 * headers), so routes are plain functions and the server records what it sent; the JSON error
 * body ResMan's v2 API and the stand-in's admin API use (`{"message", "code"}`); reading a
 * request body; and writing a reply.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** Request bodies larger than this are refused (the stand-in takes small forms and JSON). */
const MAX_BODY_BYTES = 1_000_000;

export function jsonReply(status: number, value: unknown): Reply {
  return { status, contentType: "application/json; charset=utf-8", body: JSON.stringify(value) };
}

export function textReply(status: number, text: string): Reply {
  return { status, contentType: "text/plain; charset=utf-8", body: text };
}

export function xmlReply(status: number, xml: string): Reply {
  return { status, contentType: "application/xml; charset=utf-8", body: xml };
}

/** A non-2xx JSON answer: `{"message": "...", "code": "..."}`. */
export function errorReply(status: number, code: string, message: string): Reply {
  return jsonReply(status, { message, code });
}

/** The request's body as text; rejects when it is larger than the stand-in accepts. */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export function send(response: ServerResponse, reply: Reply): void {
  response.writeHead(reply.status, {
    "content-type": reply.contentType,
    "content-length": Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  response.end(reply.body);
}
