import type { Rgb } from '../base/colour.js';

/**
 * Geometry that only looks right with special shaders (Unreal's digital-human eye and lash setup).
 * The writers leave it out unless asked.
 */
export const HELPER_MATERIALS: readonly string[] = ['M_EyeLashes', 'M_EyeBlend', 'M_EyeOcclusion', 'M_LacrimalFluid'];

/** The material that the face texture (texture.png) covers: its UV square is the texture's. */
export const TEXTURED_MATERIAL = 'M_Face';

/** The inner eyeballs, which the eye texture (eyes.png) covers: pupil, iris and sclera in their polar UV layout. */
export const EYE_TEXTURED_MATERIALS: readonly string[] = ['M_IrisLeft', 'M_IrisRight'];

/** Which of the export's textures a material shows, if any. */
export type MaterialTexture = 'face' | 'eyes';

export function materialTexture(name: string): MaterialTexture | undefined {
  if (name === TEXTURED_MATERIAL) return 'face';
  return EYE_TEXTURED_MATERIALS.includes(name) ? 'eyes' : undefined;
}

export const DEFAULT_SKIN_COLOUR: Readonly<Rgb> = [0.8, 0.62, 0.52];

/** How one material is drawn when it has no texture. Colours are sRGB in [0, 1]. */
export interface MaterialLook {
  colour: Readonly<Rgb>;
  /** 1 = opaque. Below 1 the GLB blends. */
  opacity: number;
  /** PBR roughness for the GLB. */
  roughness: number;
  /** Specular colour and exponent for the MTL file. */
  specular: number;
  shininess: number;
  /** Skin materials take the caller's skin colour. */
  skin: boolean;
}

const LOOKS: Record<string, Omit<MaterialLook, 'skin'>> = {
  M_GumsTongue: { colour: [0.72, 0.34, 0.36], opacity: 1, roughness: 0.35, specular: 0.3, shininess: 40 },
  M_Teeth: { colour: [0.92, 0.89, 0.8], opacity: 1, roughness: 0.3, specular: 0.3, shininess: 40 },
  M_ScleraLeft: { colour: [0.93, 0.91, 0.88], opacity: 1, roughness: 0.15, specular: 0.5, shininess: 80 },
  M_ScleraRight: { colour: [0.93, 0.91, 0.88], opacity: 1, roughness: 0.15, specular: 0.5, shininess: 80 },
  M_IrisLeft: { colour: [0.28, 0.18, 0.11], opacity: 1, roughness: 0.15, specular: 0.5, shininess: 80 },
  M_IrisRight: { colour: [0.28, 0.18, 0.11], opacity: 1, roughness: 0.15, specular: 0.5, shininess: 80 },
  M_EyeLashes: { colour: [0.05, 0.04, 0.03], opacity: 1, roughness: 0.8, specular: 0, shininess: 10 },
  M_LacrimalFluid: { colour: [0.9, 0.9, 0.9], opacity: 0.3, roughness: 0.05, specular: 1, shininess: 100 },
  M_EyeBlend: { colour: [0.6, 0.45, 0.4], opacity: 0.2, roughness: 0.5, specular: 0, shininess: 10 },
  M_EyeOcclusion: { colour: [0.1, 0.08, 0.07], opacity: 0.2, roughness: 0.5, specular: 0, shininess: 10 },
};

const SKIN = new Set(['M_Face', 'M_BackHead']);
const UNKNOWN: Omit<MaterialLook, 'skin'> = { colour: [0.6, 0.6, 0.6], opacity: 1, roughness: 0.6, specular: 0.05, shininess: 18 };

export function materialLook(name: string, skinColour: Readonly<Rgb> = DEFAULT_SKIN_COLOUR): MaterialLook {
  if (SKIN.has(name)) return { colour: skinColour, opacity: 1, roughness: 0.6, specular: 0.05, shininess: 18, skin: true };
  return { ...(LOOKS[name] ?? UNKNOWN), skin: false };
}

/**
 * ICT lays its materials out as UDIM tiles (M_BackHead at u in [1, 2], teeth at [3, 4], ...). Each
 * exported material gets its own texture space, so the tile is folded into the unit square.
 */
export function foldUdim(u: number): number {
  return u - Math.floor(u);
}
