/** offsets[i]: where row i starts; offsets[n]: the height of all n rows. */
export function prefixOffsets(keys: readonly string[], heightOf: (key: string) => number): number[] {
  const offsets = new Array<number>(keys.length + 1);
  offsets[0] = 0;
  for (let index = 0; index < keys.length; index++) offsets[index + 1] = offsets[index]! + heightOf(keys[index]!);
  return offsets;
}

/** The row at this position: the last one starting at or above it (0 above the list, n - 1 below it). */
export function indexAt(offsets: readonly number[], position: number): number {
  let low = 0;
  let high = Math.max(0, offsets.length - 2);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (offsets[middle]! <= position) low = middle;
    else high = middle - 1;
  }
  return low;
}
