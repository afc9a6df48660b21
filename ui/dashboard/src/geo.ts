// The map's arithmetic: Web Mercator at a fractional zoom (the projection of every tile
// server, so a base map lines up with the points), metres per pixel for the scale bar, and
// WGS-84 → GCJ-02 for drawing on a Chinese provider's tiles (display only: what is stored and
// measured stays WGS-84).

const EARTH_M = 40_075_016.686; // the equator's length, metres
const TILE = 256;

/** Pixel position of a point at zoom `z` (fractional), in the world's pixel plane. */
export function worldPx(lon: number, lat: number, z: number): [number, number] {
  const size = TILE * 2 ** z;
  const phi = (Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180;
  const x = ((lon + 180) / 360) * size;
  const y = ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * size;
  return [x, y];
}

/** Metres one pixel spans at latitude `lat` and zoom `z`. */
export function metresPerPx(lat: number, z: number): number {
  return (Math.cos((lat * Math.PI) / 180) * EARTH_M) / (TILE * 2 ** z);
}

/** The zoom at which the points' extent fits `w`×`h` pixels (at most 18). */
export function fitZoom(points: [number, number][], w: number, h: number): number {
  const at0 = points.map(([lon, lat]) => worldPx(lon, lat, 0));
  const dx = Math.max(...at0.map((p) => p[0])) - Math.min(...at0.map((p) => p[0]));
  const dy = Math.max(...at0.map((p) => p[1])) - Math.min(...at0.map((p) => p[1]));
  const z = Math.log2(Math.min(w / Math.max(dx, 1e-9), h / Math.max(dy, 1e-9)));
  return Math.min(18, z);
}

function outOfChina(lon: number, lat: number): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function tLat(x: number, y: number): number {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  return r;
}

function tLon(x: number, y: number): number {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return r;
}

/** WGS-84 → GCJ-02 (the published obfuscation; the identity outside China). */
export function wgsToGcj(lon: number, lat: number): [number, number] {
  if (outOfChina(lon, lat)) return [lon, lat];
  const a = 6378245.0;
  const ee = 0.00669342162296594323;
  let dLat = tLat(lon - 105, lat - 35);
  let dLon = tLon(lon - 105, lat - 35);
  const radLat = (lat / 180) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - ee * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180) / (((a * (1 - ee)) / (magic * sqrtMagic)) * Math.PI);
  dLon = (dLon * 180) / ((a / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lon + dLon, lat + dLat];
}

/** Great-circle distance in metres (haversine), for the tests and the scale. */
export function distanceM(a: [number, number], b: [number, number]): number {
  const r = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(h));
}
