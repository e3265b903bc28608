/**
 * Validation issues as every error of this package reports them: `{ path, message }`, the path
 * dotted (`person.emails.0`; a batch position comes first as `[2]`, see `prefix`), the message
 * zod's (which names the expectation, never the value).
 */
import type * as z from "./zod.js";

export interface Issue {
  path: string;
  message: string;
}

export interface IssueOptions {
  /** At most this many issues (the first ones). */
  limit?: number;
  /** An unknown key is an issue at its own path ("unknown key"), not one at its object. */
  unknownKeysApart?: boolean;
  /** Put before every path (`[2].detail` for the third event of a batch), dot-joined. */
  prefix?: string;
}

/** A zod error's issues as `{ path, message }` (see the module header). */
export function zodIssues(error: z.core.$ZodError, options: IssueOptions = {}): Issue[] {
  const issues = options.limit === undefined ? error.issues : error.issues.slice(0, options.limit);
  const dotted = (path: readonly PropertyKey[]): string =>
    [...(options.prefix === undefined ? [] : [options.prefix]), ...path.map(String)].join(".");
  return issues.flatMap((issue) =>
    options.unknownKeysApart === true && issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: dotted([...issue.path, key]), message: "unknown key" }))
      : [{ path: dotted(issue.path), message: issue.message }],
  );
}

/** The dotted paths of a zod error's issues, for errors that name paths only. */
export function zodIssuePaths(error: z.core.$ZodError): string[] {
  return zodIssues(error).map((issue) => issue.path);
}
