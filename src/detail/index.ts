/**
 * HRN's mid-frequency band (a deformation map of xyz offsets over the face, fitted to shading,
 * landmarks and the face outline) and high-frequency band: a displacement map along the normal from the photo's shading, with
 * de-retouching (chromatic variation stays albedo), its maps (16-bit displacement, tangent-space
 * normal map) and detail.png. Isomorphic: typed arrays in, typed arrays out.
 */
import type { MorphableModel } from '../model/types.js';

export { reconstructDetail, type DetailInput, type DetailResult } from './reconstruct-detail.js';
export { DETAIL_DEFAULTS, expandDetailOptions, type DetailOptions, type ExpandedDetailOptions } from './options.js';
export { displacementMap, deformationImage, tangentNormalMap, normalDetail, resampleSquare, heightSampler, type DisplacementMap, type DeformationImage } from './maps.js';
export { reconstructMidBand, type MidBandInput, type MidBandResult } from './mid-band.js';
export { MID_BAND_DEFAULTS, expandMidBandOptions, type MidBandOptions, type ExpandedMidBandOptions } from './mid-options.js';
export { detailPicture } from './detail-picture.js';
export { triangleStrain, strainMap, blendshapeStrainMap, expressionStrainMap, type TriangleStrain, type StrainMap } from './strain.js';
export { WRINKLE_REGIONS, wrinkleRegionMasks, type WrinkleRegion, type RegionMasks } from './wrinkle-regions.js';
export { compressionField, fitWrinkles, fitWrinklesTogether, resynthesiseWrinkles, POPULATION_RESPONSE, type CompressionField, type WrinkleFit, type WrinklePhoto, type PhotoFolds, type RegionResponse } from './wrinkle-response.js';
export { expressionDetail, sharedExpressionDetail, wrinkleSummary, type DetailView, type ExpressionDetail } from './expression-detail.js';
export { wrinkleMaps, WRINKLE_DRIVERS, type WrinkleMaps } from './wrinkle-maps.js';

/** One byte per triangle of the model: 1 on the face region, whose UV square the detail maps cover. */
export function faceTriangleMask(model: MorphableModel): Uint8Array {
  const mask = new Uint8Array(model.triangles.length / 3);
  const [start, end] = model.triangleRegions.face;
  mask.fill(1, start, end);
  return mask;
}
