/**
 * How plausible a fitted identity is under the model's prior (each identity weight ~ N(0, 1)):
 * its Mahalanobis norm against the prior's 99th percentile (the norm of k standard-normal weights is
 * chi-distributed with k degrees of freedom, k = the number of fitted modes), and its largest weight
 * against 3 standard deviations.
 */
export interface IdentityPlausibility {
  /** Fitted identity modes (k). */
  modes: number;
  /** sqrt(sum of squared weights). */
  mahalanobisNorm: number;
  /** sqrt of the chi-square 99th percentile with k degrees of freedom. */
  normLimit: number;
  /** Largest |weight|, in standard deviations, and its mode. */
  largestSigma: number;
  largestMode: number;
  /** True when the norm is beyond `normLimit` or a weight beyond 3 sigma. */
  flagged: boolean;
}

/** Standard-normal 99th percentile. */
const Z_99 = 2.3263478740408408;
export const IDENTITY_SIGMA_LIMIT = 3;

/** Chi-square 99th percentile with k degrees of freedom (Wilson-Hilferty; 76.15 for k = 50, exact 76.154). */
export function chiSquare99(k: number): number {
  const a = 2 / (9 * k);
  return k * (1 - a + Z_99 * Math.sqrt(a)) ** 3;
}

export function identityPlausibility(identity: ArrayLike<number>): IdentityPlausibility {
  let sum = 0, largestSigma = 0, largestMode = 0;
  for (let m = 0; m < identity.length; m++) {
    sum += identity[m] * identity[m];
    if (Math.abs(identity[m]) > largestSigma) { largestSigma = Math.abs(identity[m]); largestMode = m; }
  }
  const mahalanobisNorm = Math.sqrt(sum), normLimit = Math.sqrt(chiSquare99(identity.length));
  return {
    modes: identity.length, mahalanobisNorm, normLimit, largestSigma, largestMode,
    flagged: mahalanobisNorm > normLimit || largestSigma > IDENTITY_SIGMA_LIMIT,
  };
}
