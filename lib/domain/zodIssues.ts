/**
 * Validation issues as every error of this package reports them: `{ path, message }`, the path
 * dotted (`person.emails.0`), the message zod's (which names the expectation, never the value).
 */
import type * as z from "zod";

export interface Issue {
  path: string;
  message: string;
}

export interface IssueOptions {
  /** At most this many issues (the first ones). */
  limit?: number;
  /** An unknown key is an issue at its own path ("unknown key"), not one at its object. */
  unknownKeysApart?: boolean;
}

/** A zod error's issues as `{ path, message }` (see the module header). */
export function zodIssues(error: z.ZodError, options: IssueOptions = {}): Issue[] {
  const issues = options.limit === undefined ? error.issues : error.issues.slice(0, options.limit);
  return issues.flatMap((issue) =>
    options.unknownKeysApart === true && issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: [...issue.path, key].join("."), message: "unknown key" }))
      : [{ path: issue.path.join("."), message: issue.message }],
  );
}

/** The dotted paths of a zod error's issues, for errors that name paths only. */
export function zodIssuePaths(error: z.ZodError): string[] {
  return zodIssues(error).map((issue) => issue.path);
}
