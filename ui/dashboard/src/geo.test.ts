import { describe, expect, it } from "vitest";
import { distanceM, fitZoom, metresPerPx, wgsToGcj, worldPx } from "./geo";

describe("the map's arithmetic", () => {
  it("shifts a point in China by the few hundred metres GCJ-02 is known for, and nowhere else", () => {
    // Points across China's counties: the published offset is between ~100 and ~700 m.
    for (const p of [[113.7, 34.7], [104.06, 30.67], [87.6, 43.8], [121.47, 31.23], [126.6, 45.75]] as [number, number][]) {
      const d = distanceM(p, wgsToGcj(...p));
      expect(d).toBeGreaterThan(50);
      expect(d).toBeLessThan(800);
    }
    expect(wgsToGcj(2.35, 48.85)).toEqual([2.35, 48.85]);
  });

  it("measures a pixel in metres the way the projection draws it", () => {
    // Two points a pixel apart at zoom 15 near 34.7°N are metresPerPx apart on the ground.
    const z = 15;
    const [x0, y0] = worldPx(113.7, 34.7, z);
    const [x1] = worldPx(113.7 + 0.001, 34.7, z);
    const perPx = distanceM([113.7, 34.7], [113.701, 34.7]) / (x1 - x0);
    expect(Math.abs(perPx - metresPerPx(34.7, z)) / perPx).toBeLessThan(0.01);
    expect(y0).toBeGreaterThan(0);
  });

  it("fits the points' extent into the map", () => {
    const pts: [number, number][] = [[113.7, 34.7], [113.75, 34.73]];
    const z = fitZoom(pts, 800, 500);
    const a = worldPx(113.7, 34.7, z);
    const b = worldPx(113.75, 34.73, z);
    expect(Math.abs(b[0] - a[0])).toBeLessThanOrEqual(800.001);
    expect(Math.abs(b[1] - a[1])).toBeLessThanOrEqual(500.001);
    expect(Math.max(Math.abs(b[0] - a[0]) / 800, Math.abs(b[1] - a[1]) / 500)).toBeGreaterThan(0.99);
  });
});
