/**
 * Wrinkle maps as game engines blend them (issue 13): a base tangent-space normal map (the static
 * detail), per region the normal map of the face with that region's driving expression at full
 * weight (the compressed state), the regions' masks packed four to an RGBA image, and the mapping
 * from morph-target weights to each region's activation. A shader blends, per texel,
 *   n = normalize(base + sum_r mask_r * activation_r * (region_r - base)),
 *   activation_r = clamp(sum over the region's drivers of coefficient * morph weight, 0, 1)
 * (normals decoded from the 8-bit maps as 2 c / 255 - 1, the glTF convention).
 */
import type { RgbaImage, RgbImage } from '../base/image.js';
import type { ExpressionDetail } from './expression-detail.js';
import { tangentNormalMap } from './maps.js';
import { WRINKLE_REGIONS, wrinkleRegionMasks, type WrinkleRegion } from './wrinkle-regions.js';
import type { MorphableModel } from '../model/types.js';

/** Per region, the model's expressions (ICT names) whose weights drive it, with their coefficients. */
export const WRINKLE_DRIVERS: Readonly<Record<WrinkleRegion, Readonly<Record<string, number>>>> = {
  forehead: { browInnerUp_L: 0.5, browInnerUp_R: 0.5, browOuterUp_L: 0.5, browOuterUp_R: 0.5 },
  glabella: { browDown_L: 0.5, browDown_R: 0.5, noseSneer_L: 0.25, noseSneer_R: 0.25 },
  crowsFeet_L: { eyeSquint_L: 0.5, cheekSquint_L: 0.5, mouthSmile_L: 0.5 },
  crowsFeet_R: { eyeSquint_R: 0.5, cheekSquint_R: 0.5, mouthSmile_R: 0.5 },
  nasolabial_L: { mouthSmile_L: 1, noseSneer_L: 0.5 },
  nasolabial_R: { mouthSmile_R: 1, noseSneer_R: 0.5 },
  chin: { mouthShrugLower: 1, mouthPress_L: 0.5, mouthPress_R: 0.5 },
  neck: { jawOpen: 1 },
};

export interface WrinkleMaps {
  /** The static detail's normal map. */
  base: RgbImage;
  /** Per region (WRINKLE_REGIONS order), the normal map at its compressed state. */
  regions: RgbImage[];
  /** Region masks, four per image in R, G, B, A (WRINKLE_REGIONS order), 0-255. */
  masks: RgbaImage[];
  /** The mapping as JSON: per region its normal map's file name, mask image and channel, drivers. */
  mapping: { blend: string; base: string; regions: Record<string, { normalMap: string; mask: string; channel: 'r' | 'g' | 'b' | 'a'; drivers: Record<string, number> }> };
}

/**
 * The wrinkle maps of a face (`size` texels per side; file names as `facerecon animate` writes them
 * under wrinkles/). The compressed state of a region is its drivers at weight 1 (coefficients ignored).
 */
export function wrinkleMaps(model: MorphableModel, wrinkles: ExpressionDetail, size: number): WrinkleMaps {
  const rest = wrinkles.at(new Float32Array(model.expressionNames.length));
  const base = tangentNormalMap(rest, size);
  const gridMasks = wrinkleRegionMasks(model, rest.size);
  const regions = WRINKLE_REGIONS.map((region, r) => {
    const weights = new Float32Array(model.expressionNames.length);
    for (const name of Object.keys(WRINKLE_DRIVERS[region])) {
      const k = model.expressionNames.indexOf(name);
      if (k >= 0) weights[k] = 1;
    }
    // The region's own folds only: the drivers' folds elsewhere (the rest of the face) are no part of its map.
    const state = wrinkles.at(weights);
    return tangentNormalMap({ ...state, height: state.height.map((h, p) => (gridMasks[r][p] > 0 ? h : rest.height[p])) }, size);
  });
  const masks = wrinkleRegionMasks(model, size).slice(0, WRINKLE_REGIONS.length);
  const packed: RgbaImage[] = [];
  for (let i = 0; i < masks.length; i += 4) {
    const data = new Uint8Array(4 * size * size);
    for (let c = 0; c < 4 && i + c < masks.length; c++) for (let p = 0; p < size * size; p++) data[4 * p + c] = Math.round(255 * masks[i + c][p]);
    packed.push({ width: size, height: size, data });
  }
  const channels = ['r', 'g', 'b', 'a'] as const;
  return {
    base, regions, masks: packed,
    mapping: {
      blend: 'n = normalize(base + sum_r mask_r * activation_r * (region_r - base)); activation_r = clamp(sum of coefficient * morph weight over the drivers, 0, 1); normals decoded as 2 c / 255 - 1',
      base: 'wrinkle-base.png',
      regions: Object.fromEntries(WRINKLE_REGIONS.map((region, r) => [region, {
        normalMap: `wrinkle-${region}.png`, mask: `wrinkle-masks-${Math.floor(r / 4)}.png`, channel: channels[r % 4], drivers: { ...WRINKLE_DRIVERS[region] },
      }])),
    },
  };
}
