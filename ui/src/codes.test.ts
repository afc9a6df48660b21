/// <reference types="vite/client" />
// The UI compares no code value of its own: every code it acts on (户主, 已自然减少, a change's
// direction, …) comes from the domain (`bundle.facts`, the code lists, the actions offered).
// This reads the app's sources (not tests, not generated files) and fails on a code literal.

import { describe, expect, it } from "vitest";

const sources = import.meta.glob(["./**/*.ts", "!./**/*.test.ts", "!./generated/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** Code values of the 2018 lists are digit strings ("01", "2", "0101"). */
const DIGIT_LITERAL = /(["'`])\d{1,6}\1/g;
/** A record field compared with a literal: `fields["relationship"] === "户主"` or the like. */
const FIELD_COMPARED = /(?<!typeof [\w?.]*)fields\[[^\]]+\]\s*[!=]==?\s*["'`]/g;

/** Every match of `re` in `text`, as "file:line: the line". */
function hits(file: string, text: string, re: RegExp): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    // Comments may quote a code to say what it means.
    const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "").replace(/\/\*.*?\*\//g, "");
    if (code.match(re)) out.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return out;
}

describe("code literals in ui/src", () => {
  it("reads the app's sources", () => {
    expect(Object.keys(sources)).toContain("./views/household.ts");
    expect(Object.keys(sources).some((f) => f.endsWith(".test.ts"))).toBe(false);
  });

  it("finds none: the codes the UI acts on come from the domain", () => {
    const found = Object.entries(sources).flatMap(([file, text]) => [
      ...hits(file, text, DIGIT_LITERAL),
      ...hits(file, text, FIELD_COMPARED),
    ]);
    expect(found).toEqual([]);
  });

  it("would find one (the check itself)", () => {
    expect(hits("x.ts", 'const head = m.fields["relationship"] === "01";', DIGIT_LITERAL)).toHaveLength(1);
    expect(hits("x.ts", 'if (r.fields["status"] !== "decreased") {}', FIELD_COMPARED)).toHaveLength(1);
    expect(hits("x.ts", '// "01" is 户主', DIGIT_LITERAL)).toEqual([]);
    expect(hits("x.ts", 'typeof m.fields["name"] === "string"', FIELD_COMPARED)).toEqual([]);
  });
});
