/**
 * The console as a Lambda handler for API Gateway's HTTP API (payload 2.0): Hono's adapter turns
 * the event into a request (the JWT authorizer's claims stay reachable in `c.env.event`) and the
 * response into the result. The local server calls the same handler with events it builds.
 */
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import type { Hono } from "hono";
import { handle } from "hono/aws-lambda";

export type ConsoleHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export function consoleHandler(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its bindings
  app: Hono<any>,
): ConsoleHandler {
  const handler = handle(app);
  return async (event, context) => {
    // Hono's own event types describe the same payload 2.0 shape as @types/aws-lambda's.
    const result = await handler(event as unknown as Parameters<typeof handler>[0], context);
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(", ") : String(value),
      ]),
    );
    return { ...result, headers } as APIGatewayProxyStructuredResultV2;
  };
}
