/**
 * Largest-Triangle-Three-Buckets (Steinarsson, 2013): keeps `threshold`
 * points of a series whose line looks like the full one. The step chart asks
 * for one point per pixel column of its plot area, so a history of 100,000
 * steps costs the chart library what a history as wide as the chart does,
 * and peaks and dips survive (a bucket keeps the point forming the largest
 * triangle with its neighbours, not an average).
 *
 * Returns the indices kept, in order; the first and last are always kept.
 * With `threshold` >= the length (or < 3) every index is returned.
 */
export function lttb(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = xs.length;
  if (threshold >= n || threshold < 3) {
    return Array.from({ length: n }, (_, i) => i);
  }
  const kept = [0];
  // Buckets between the fixed first and last points.
  const size = (n - 2) / (threshold - 2);
  let a = 0;
  for (let bucket = 0; bucket < threshold - 2; bucket++) {
    // The average of the next bucket is the third corner of the triangle.
    const nextStart = Math.floor((bucket + 1) * size) + 1;
    const nextEnd = Math.min(Math.floor((bucket + 2) * size) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      avgX += xs[i];
      avgY += ys[i];
    }
    const span = nextEnd - nextStart;
    avgX /= span;
    avgY /= span;

    const start = Math.floor(bucket * size) + 1;
    const end = Math.floor((bucket + 1) * size) + 1;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const area = Math.abs(
        (xs[a] - avgX) * (ys[i] - ys[a]) - (xs[a] - xs[i]) * (avgY - ys[a])
      );
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    kept.push(best);
    a = best;
  }
  kept.push(n - 1);
  return kept;
}
