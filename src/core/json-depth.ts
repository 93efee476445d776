/**
 * How deeply a parsed JSON value nests, measured without recursion. JSON.parse accepts any
 * depth, but JSON.stringify (the store, size checks, rendering) recurses and throws a
 * RangeError on a few thousand levels: a 30 KB body of nested objects would become a 500.
 */
export const MAX_JSON_DEPTH = 32;

export function jsonDepthExceeds(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
