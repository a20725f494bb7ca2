// Every time limit of the checker, scaled by LAB_TIME_SCALE (default 1): the micro-VM runs about ten
// times slower than the host under TCG, and a slow machine may need more room. Limits, not targets:
// a check that passes only with a larger scale is still a passing check.

export function scaled(ms: number): number {
  const scale = Number(process.env.LAB_TIME_SCALE);
  return Number.isFinite(scale) && scale > 0 ? Math.round(ms * scale) : ms;
}
