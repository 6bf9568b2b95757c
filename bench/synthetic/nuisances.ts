/**
 * What real photos have and clean renders lack, for the realistic kind of synthetic set: hair,
 * beards, glasses, a hand or object over the face, face states, blur, noise, JPEG, coloured and
 * harsh light. Each is drawn independently from its own random source and recorded in the
 * picture's JSON (`nuisances`, and `tags` for breaking results down).
 */
import type { RandomSource } from './truth-shape.js';

export type Rgb = [number, number, number];

export interface HairParams {
  /** short: a hairline; fringe: hair over the forehead down to `fringeGap` above the brows; long: fringe or not, plus hair over the cheeks. */
  style: 'short' | 'fringe' | 'long';
  colour: Rgb;
  /** Height of the hairline above the top of the brows, model units; how far it recedes at the temples. */
  hairline: number;
  recession: number;
  /** Fringe: gap between its lower edge and the brows (model units); 0 when there is none. */
  fringeGap: number;
  /** Long hair: how far in from the face outline it reaches over the cheeks (fraction of face width), per side (left, right of the picture). */
  cheekCover: [number, number];
  seed: number;
}

export interface BeardParams {
  kind: 'stubble' | 'full' | 'goatee' | 'moustache';
  colour: Rgb;
  density: number;
  seed: number;
}

export interface GlassesParams {
  shape: 'round' | 'rectangular';
  frame: Rgb;
  /** Rim thickness, model units. */
  thickness: number;
  /** Lens half-width and half-height, model units; lens tint (sRGB) and its opacity. */
  width: number;
  height: number;
  tint: Rgb;
  tintOpacity: number;
  /** A bright reflection across each lens, 0..1. */
  glare: number;
}

export interface OccluderParams {
  kind: 'hand' | 'object';
  /** The 68-landmark it covers, and a shift from it (fractions of the face width in the picture). */
  anchor: number;
  offset: [number, number];
  /** Size as a fraction of the face width; angle in radians. */
  size: number;
  angle: number;
  colour: Rgb;
}

export interface LightingNuisance {
  kind: 'coloured' | 'harsh';
  /** Key light direction (view frame), colour multipliers of key and second light, ambient share. */
  direction: [number, number, number];
  keyColour: Rgb;
  /** A second (rim or fill) light from the other side, coloured; intensity 0 for none. */
  rimDirection: [number, number, number];
  rimColour: Rgb;
  ambientShare: number;
}

export interface Nuisances {
  hair?: HairParams;
  beard?: BeardParams;
  glasses?: GlassesParams;
  occluder?: OccluderParams;
  lighting?: LightingNuisance;
  /** Motion blur: length in pixels and direction (radians). */
  motionBlur?: { length: number; angle: number };
  /** Sensor noise: standard deviation in 8-bit levels, luma and chroma parts. */
  noise?: { sigma: number; chroma: number; seed: number };
  /** JPEG quality 1-100. */
  jpeg?: { quality: number };
}

const HAIR: Rgb[] = [[28, 22, 18], [55, 38, 27], [92, 64, 40], [142, 108, 70], [196, 168, 118], [150, 146, 140], [120, 50, 28]];

/** Chances of each nuisance per picture. */
export const NUISANCE_CHANCES = { hair: 0.7, beard: 0.3, glasses: 0.3, occluder: 0.25, lighting: 0.4, motionBlur: 0.25, noise: 0.4, jpeg: 0.5 };

export function sampleNuisances(rnd: RandomSource): Nuisances {
  const u = rnd.uniform;
  const between = (a: number, b: number) => a + (b - a) * u();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u() * xs.length)];
  const c = NUISANCE_CHANCES;
  const n: Nuisances = {};
  if (u() < c.hair) {
    const style = pick(['short', 'fringe', 'long'] as const);
    const fringe = style === 'fringe' || (style === 'long' && u() < 0.5);
    n.hair = {
      style, colour: pick(HAIR), hairline: between(2.2, 4), recession: between(0, 1.5),
      fringeGap: fringe ? between(0.1, 1.4) : 0,
      cheekCover: style === 'long' ? [between(0.03, 0.15), between(0.03, 0.15)] : [0, 0],
      seed: Math.floor(u() * 1e6),
    };
  }
  if (u() < c.beard) n.beard = { kind: pick(['stubble', 'full', 'goatee', 'moustache'] as const), colour: pick(HAIR), density: between(0.6, 1), seed: Math.floor(u() * 1e6) };
  if (u() < c.glasses) {
    const dark = u() < 0.7;
    n.glasses = {
      shape: pick(['round', 'rectangular'] as const),
      frame: dark ? [20 + Math.floor(40 * u()), 18 + Math.floor(30 * u()), 16 + Math.floor(30 * u())] : [150 + Math.floor(80 * u()), 120 + Math.floor(80 * u()), 60 + Math.floor(60 * u())],
      thickness: between(0.1, 0.3), width: between(1.5, 2.1), height: between(1.1, 1.6),
      tint: pick([[200, 210, 220], [90, 70, 50], [40, 40, 45]] as Rgb[]), tintOpacity: u() < 0.2 ? between(0.4, 0.75) : between(0, 0.12),
      glare: u() < 0.5 ? between(0.2, 0.6) : 0,
    };
  }
  if (u() < c.occluder) {
    const kind = u() < 0.6 ? 'hand' : 'object';
    n.occluder = {
      kind, anchor: pick([8, 57, 3, 13, 36, 45, 33]), offset: [between(-0.15, 0.15), between(-0.1, 0.15)],
      size: between(0.3, 0.55), angle: between(-0.8, 0.8),
      colour: kind === 'hand' ? [0, 0, 0] : pick([[200, 40, 40], [30, 30, 35], [230, 230, 225], [40, 90, 170], [210, 170, 60]] as Rgb[]),
    };
  }
  if (u() < c.lighting) {
    const harsh = u() < 0.5;
    const side = u() < 0.5 ? -1 : 1;
    const direction: [number, number, number] = harsh ? [side * between(0.9, 2), between(-0.2, 0.8), between(0.2, 0.8)] : [side * between(0, 0.8), between(0, 0.6), 1];
    const warm: Rgb = [1.25, 0.95, 0.6], cool: Rgb = [0.6, 0.85, 1.3], magenta: Rgb = [1.2, 0.6, 1.1], green: Rgb = [0.8, 1.2, 0.75];
    const [key, rim] = harsh ? [[1, 1, 1] as Rgb, [0, 0, 0] as Rgb] : pick([[warm, cool], [cool, warm], [magenta, green], [warm, magenta]] as [Rgb, Rgb][]);
    n.lighting = {
      kind: harsh ? 'harsh' : 'coloured', direction, keyColour: key,
      rimDirection: [-side * between(0.8, 1.5), between(0, 0.5), between(-0.3, 0.4)], rimColour: rim,
      ambientShare: harsh ? between(0.03, 0.12) : between(0.15, 0.35),
    };
  }
  if (u() < c.motionBlur) n.motionBlur = { length: between(2, 10), angle: between(0, Math.PI) };
  if (u() < c.noise) n.noise = { sigma: between(2, 9), chroma: between(0, 0.6), seed: Math.floor(u() * 1e6) };
  if (u() < c.jpeg) n.jpeg = { quality: Math.round(between(15, 70)) };
  return n;
}

/** Names of the nuisances present, for breaking results down (e.g. hair:long, lighting:harsh, state:closedSmile). */
export function nuisanceTags(n: Nuisances, presets: readonly string[]): string[] {
  const tags: string[] = [];
  if (n.hair) tags.push(`hair:${n.hair.style}`);
  if (n.hair && n.hair.fringeGap > 0) tags.push('hair:over-forehead');
  if (n.beard) tags.push(`beard:${n.beard.kind}`);
  if (n.glasses) tags.push('glasses');
  if (n.occluder) tags.push(`occluder:${n.occluder.kind}`);
  if (n.lighting) tags.push(`lighting:${n.lighting.kind}`);
  if (n.motionBlur) tags.push('motion-blur');
  if (n.noise) tags.push('noise');
  if (n.jpeg) tags.push('jpeg');
  for (const p of presets) if (p === 'closedSmile' || p === 'loweredLids') tags.push(`state:${p}`);
  if (!tags.length) tags.push('none');
  return tags;
}
