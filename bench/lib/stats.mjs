// Small statistics helpers shared by the benchmark modules.

/** The q-quantile (0..1) of `values` by linear interpolation; does not modify `values`. */
export function quantile(values, q) {
  if (values.length === 0) throw new Error("quantile of an empty sample");
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

/**
 * A sample's summary as the table shows it: the median, plus the 10th and 90th percentiles
 * so a reader can tell a real difference from noise.
 */
export function summarize(values) {
  return { median: median(values), p10: quantile(values, 0.1), p90: quantile(values, 0.9), n: values.length };
}
