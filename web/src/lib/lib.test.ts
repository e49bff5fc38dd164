import { describe, expect, it } from "vitest";
import { available, QUOTA } from "../test/fixtures";
import { duration, languageMix, repoName } from "./format";
import { checkSelection, percentUsed } from "./quota";

describe("quota check", () => {
  const [billing, svc] = available().repos;
  it("adds the estimated chunks and the new repos", () => {
    const check = checkSelection(QUOTA, [billing, svc]);
    expect(check).toMatchObject({ newRepos: 2, estimatedChunks: 70, reposAfter: 2, chunksAfter: 70, problems: [] });
  });
  it("does not count a repo already selected as a new one", () => {
    const quota = { ...QUOTA, limits: { ...QUOTA.limits, repos: 1 }, used: { ...QUOTA.used, repos: 1 } };
    expect(checkSelection(quota, [{ ...svc, selected: true }]).problems).toEqual([]);
    expect(checkSelection(quota, [svc]).problems[0]).toMatch(/2 repositories would pass your quota of 1/);
  });
  it("refuses chunks over the limit and allows unlimited quotas", () => {
    const quota = { limits: { repos: null, chunks: 100, queries_per_day: null }, used: { repos: 5, chunks: 60, queries_today: 0 } };
    expect(checkSelection(quota, [svc]).problems[0]).toMatch(/about 110 chunks would pass your quota of 100/);
    expect(percentUsed(5, null)).toBe(0);
    expect(percentUsed(60, 100)).toBe(60);
    expect(percentUsed(160, 100)).toBe(100);
  });
});

describe("formatting", () => {
  it("formats durations", () => {
    expect(duration(null)).toBe("—");
    expect(duration(7.6)).toBe("7.6s");
    expect(duration(0.2)).toBe("0.2s");
    expect(duration(42)).toBe("42s");
    expect(duration(65)).toBe("1m 05s");
    expect(duration(3720)).toBe("1h 02m");
  });
  it("orders the language mix by share", () => {
    expect(languageMix({ go: 3, python: 6, markdown: 1 })).toEqual([
      { lang: "python", pct: 60 }, { lang: "go", pct: 30 }, { lang: "markdown", pct: 10 }]);
    expect(languageMix({})).toEqual([]);
  });
  it("names repos by their path", () => {
    expect(repoName("http://127.0.0.1:8929/emea/team-a/svc.git")).toBe("emea/team-a/svc");
  });
});
