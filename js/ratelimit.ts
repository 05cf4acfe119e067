/**
 * Rate limiting (issue #4). Stub: replaced when the feature lands.
 */

/** One named limit. */
export type RateLimitSpec = { kind?: string; rate: number; period: number };

/** Named limits. */
export type RateLimitsConfig<K extends string> = { readonly [name in K]: RateLimitSpec };

/** Rate-limit operations. */
export interface RateLimits<K extends string> {
  /** @internal phantom, keeps K in the type */
  readonly __limits?: K;
}

/** @internal */
export function createRateLimits<K extends string>(
  _config: RateLimitsConfig<K> | undefined,
): RateLimits<K> {
  return {};
}
