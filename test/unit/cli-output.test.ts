import { describe, expect, it } from "vitest";
import { counted, plural } from "../../lib/cli/output.js";

describe("the CLI's counts", () => {
  it("say one thing in the singular and every other count in the plural", () => {
    expect(plural(1, "link")).toBe("1 link");
    expect(plural(0, "link")).toBe("0 links");
    expect(plural(2, "link")).toBe("2 links");
  });

  it("group thousands and take an irregular plural where one is given", () => {
    expect(counted(7678, "row")).toBe("7,678 rows");
    expect(counted(1, "property", "properties")).toBe("1 property");
    expect(counted(2, "property", "properties")).toBe("2 properties");
    expect(counted(1_000_000, "message")).toBe("1,000,000 messages");
  });
});
