/**
 * The earliest `notAfter` among certificates still valid, for the expiry gauge. A min-heap of
 * expiry times: issuing is O(log n), and expired entries are popped when the gauge is read, so
 * memory follows the certificates that are still valid, not every one ever issued.
 */
export class ExpiryTracker {
  private readonly heap: number[] = [];

  add(notAfterMs: number): void {
    const heap = this.heap;
    heap.push(notAfterMs);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= heap[i]) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  /** The earliest expiry later than `nowMs`, or undefined; forgets the ones already past. */
  earliestAfter(nowMs: number): number | undefined {
    while (this.heap.length > 0 && this.heap[0] <= nowMs) this.popMin();
    return this.heap[0];
  }

  get size(): number {
    return this.heap.length;
  }

  private popMin(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heap[left] < heap[smallest]) smallest = left;
      if (right < heap.length && heap[right] < heap[smallest]) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
      i = smallest;
    }
  }
}
