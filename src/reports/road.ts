/**
 * The road of a site's address, for the public bulletin: "钟山区明湖路12号" → "明湖路". Never the
 * number, door plate or building: the bulletin names roads and cells only (issue 14).
 */

/** Administrative prefixes (province, city, district, county, sub-district, town) come off first. */
const ADMIN_PREFIX = /^[\u4e00-\u9fff]{1,10}?(?:省|自治区|市|区|县|街道|镇|乡)/u;
/** A road name: Chinese characters ending in a road word; no digits (those are house numbers). */
const ROAD = /^[\u4e00-\u9fff]{1,12}?(?:大道|大街|路|街|巷|弄|道)/u;

export function roadOf(address: string | null | undefined): string | null {
  if (!address) return null;
  let s = address.replace(/\s+/g, '');
  for (let i = 0; i < 4; i++) {
    const m = ADMIN_PREFIX.exec(s);
    // "凉都大道" ends in 道 but not 街道; stop once what is left starts with the road itself
    if (!m || ROAD.exec(s)?.[0].length === m[0].length) break;
    s = s.slice(m[0].length);
  }
  const road = ROAD.exec(s)?.[0];
  return road ?? null;
}
