/**
 * 2D landmark error normalised by face size: mean pixel distance between predicted and true
 * landmarks (N x 2, NaN = missing) divided by sqrt(width * height) of the true landmarks' box.
 */
export function normalisedLandmarkError(predicted: ArrayLike<number>, truth: ArrayLike<number>, use?: ArrayLike<number>): { px: number; normalised: number; faceSize: number } {
  const n = truth.length / 2;
  const indices = use ? Array.from(use) : Array.from({ length: n }, (_, i) => i);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, sum = 0, count = 0;
  for (const i of indices) {
    const tx = truth[2 * i], ty = truth[2 * i + 1], px = predicted[2 * i], py = predicted[2 * i + 1];
    if (![tx, ty, px, py].every(Number.isFinite)) continue;
    minX = Math.min(minX, tx); maxX = Math.max(maxX, tx); minY = Math.min(minY, ty); maxY = Math.max(maxY, ty);
    sum += Math.hypot(px - tx, py - ty);
    count++;
  }
  const faceSize = Math.sqrt(Math.max(0, maxX - minX) * Math.max(0, maxY - minY));
  const px = count ? sum / count : NaN;
  return { px, normalised: px / faceSize, faceSize };
}
