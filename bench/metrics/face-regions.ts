/**
 * Evaluation regions on the ICT-FaceKit topology, chosen once on the neutral mesh from its 68
 * landmarks (model units = cm): the NoW-style face crop and REALY-style nose, mouth, forehead and
 * cheek regions. All are subsets of the narrow face (skin only, no eyes or mouth interior).
 */
import type { MorphableModel } from '../../src/model/types.js';

export const REALY_REGIONS = ['nose', 'mouth', 'forehead', 'cheeks'] as const;
export type RealyRegion = (typeof REALY_REGIONS)[number];

/** NoW crops the scan to this radius around the nose tip. */
export const NOW_CROP_RADIUS_MM = 95;

export function realyRegions(model: MorphableModel): Record<RealyRegion, Uint32Array> {
  const P = model.neutral;
  const lm = (k: number) => { const i = model.landmarks68[k]; return [P[3 * i], P[3 * i + 1], P[3 * i + 2]]; };
  const nasion = lm(27), subnasale = lm(33), mouthL = lm(48), mouthR = lm(54), lipTop = lm(51), lipBottom = lm(57);
  let browTop = -Infinity;
  for (let k = 17; k <= 26; k++) browTop = Math.max(browTop, lm(k)[1]);
  const eyeBottom = Math.min(lm(40)[1], lm(41)[1], lm(46)[1], lm(47)[1]);
  const alarHalfWidth = (lm(35)[0] - lm(31)[0]) / 2 + 0.6;
  const mouthCentre = [(mouthL[0] + mouthR[0]) / 2, (lipTop[1] + lipBottom[1]) / 2];
  const mouthA = (mouthR[0] - mouthL[0]) / 2 + 0.8, mouthB = (lipTop[1] - lipBottom[1]) / 2 + 0.9;
  const inMouth = (x: number, y: number) => ((x - mouthCentre[0]) / mouthA) ** 2 + ((y - mouthCentre[1]) / mouthB) ** 2 < 1 && y < subnasale[1] - 0.15;
  const sets: Record<RealyRegion, number[]> = { nose: [], mouth: [], forehead: [], cheeks: [] };
  for (const i of model.regions.narrowFace) {
    const x = P[3 * i], y = P[3 * i + 1], z = P[3 * i + 2];
    if (Math.abs(x) < alarHalfWidth && y > subnasale[1] - 0.2 && y < nasion[1] + 0.2 && z > nasion[2] - 1.8) sets.nose.push(i);
    else if (inMouth(x, y) && z > mouthL[2] - 2) sets.mouth.push(i);
    else if (y > browTop + 0.5 && Math.abs(x) < 5.5 && z > 5) sets.forehead.push(i);
    else if (Math.abs(x) > alarHalfWidth && Math.abs(x) < 6.5 && y < eyeBottom - 0.4 && y > lipBottom[1] && z > 4) sets.cheeks.push(i);
  }
  return { nose: Uint32Array.from(sets.nose), mouth: Uint32Array.from(sets.mouth), forehead: Uint32Array.from(sets.forehead), cheeks: Uint32Array.from(sets.cheeks) };
}

/** Narrow-face vertices of a mesh (positions in mm) within the NoW crop radius of the given nose tip. */
export function nowCropRegion(model: MorphableModel, positionsMm: Float32Array, noseTip: ArrayLike<number>, radiusMm = NOW_CROP_RADIUS_MM): Uint32Array {
  const out: number[] = [];
  for (const i of model.regions.narrowFace) {
    const d = Math.hypot(positionsMm[3 * i] - noseTip[0], positionsMm[3 * i + 1] - noseTip[1], positionsMm[3 * i + 2] - noseTip[2]);
    if (d <= radiusMm) out.push(i);
  }
  return Uint32Array.from(out);
}
