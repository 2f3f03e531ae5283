/**
 * User Timing measures named `mlops:…`: a Chromium performance trace shows
 * them on its timeline, and the benchmark reads them, so the time a repaint
 * takes splits into the request (server and transfer) and the drawing.
 */
export function measureSince(name: string, start: number): void {
  performance.measure(name, { start, end: performance.now() });
}
