/** The nearest-rank percentile `p` (1 to 100) of `sorted`, in ascending order; undefined when it is empty. */
export function percentile(sorted: number[], p: number): number | undefined {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
