/**
 * Regional shape the fitted model cannot express, for the realistic kind of synthetic set: small,
 * often one-sided features anchored at facial landmarks (a nose hump, a crooked tip, wider alae,
 * cheekbones, a jaw angle, a chin, fuller lips, a brow ridge, under-eye hollows) as Gaussian
 * displacements of the identity head. Their radii (4-15 mm) are below what the first 50 identity
 * modes can bend, so a 3D fit of the model leaves them as error, as it does on real scanned heads.
 */
import type { MorphableModel } from '../../src/model/types.js';
import { fractalNoise3 } from './noise.js';
import type { RandomSource, SmoothBump } from './truth-shape.js';

/** A regional feature: where it sits (landmark or a point offset from one), its size and push. */
interface RegionalFeature {
  name: string;
  /** 68-landmark anchors, one per side or one on the midline. */
  anchors: number[];
  /** Offset of the centre from the anchor, model units. */
  offset?: [number, number, number];
  radius: [number, number];
  /** Amplitude along the surface normal, model units (sign random). */
  normal: [number, number];
  /** Largest sideways (x) push, model units, sign random: asymmetry. */
  sideways?: number;
}

const FEATURES: RegionalFeature[] = [
  { name: 'noseBridge', anchors: [28], radius: [0.45, 0.8], normal: [0.08, 0.2], sideways: 0.06 },
  { name: 'noseTip', anchors: [30], radius: [0.35, 0.6], normal: [0.06, 0.16], sideways: 0.1 },
  { name: 'alae', anchors: [31, 35], radius: [0.35, 0.55], normal: [0.04, 0.1], sideways: 0.1 },
  { name: 'cheekbone', anchors: [41, 46], offset: [0, -1.6, -0.6], radius: [0.9, 1.5], normal: [0.1, 0.25] },
  { name: 'jawAngle', anchors: [4, 12], radius: [0.9, 1.4], normal: [0.1, 0.25], sideways: 0.1 },
  { name: 'chin', anchors: [8], offset: [0, 0.5, 0], radius: [0.6, 1.1], normal: [0.1, 0.25], sideways: 0.08 },
  { name: 'lips', anchors: [51, 57], radius: [0.4, 0.7], normal: [0.05, 0.14] },
  { name: 'browRidge', anchors: [19, 24], offset: [0, 0.5, 0], radius: [0.7, 1.2], normal: [0.08, 0.2] },
  { name: 'underEye', anchors: [40, 47], offset: [0, -0.7, 0], radius: [0.45, 0.75], normal: [0.05, 0.14] },
];

/** Mid-frequency shape over the whole face: fractal noise along the normal (model units). */
export interface ShapeField {
  amplitude: number;
  wavelength: number;
  seed: number;
}

export interface RegionalShape {
  features: (SmoothBump & { name: string })[];
  field: ShapeField;
}

/** Centre of the head (model units), from which the shape field pushes outward. */
const HEAD_CENTRE = [0, 2, 1];

/**
 * Adds the shape field to `positions`, evaluated on the identity head `base`: a smooth push away
 * from the head centre, so every vertex near a point (lids and eyeballs, lips and teeth) moves alike.
 */
export function addShapeField(positions: Float32Array, base: Float32Array, field: ShapeField): void {
  const noise = fractalNoise3(field.seed, 2, 0.5);
  const f = 1 / field.wavelength;
  for (let i = 0; i < positions.length / 3; i++) {
    const x = base[3 * i], y = base[3 * i + 1], z = base[3 * i + 2];
    const dx = x - HEAD_CENTRE[0], dy = y - HEAD_CENTRE[1], dz = z - HEAD_CENTRE[2];
    const h = (field.amplitude * noise(x * f, y * f, z * f)) / (Math.hypot(dx, dy, dz) || 1);
    positions[3 * i] += h * dx; positions[3 * i + 1] += h * dy; positions[3 * i + 2] += h * dz;
  }
}

/**
 * Samples regional shape on the identity head `base` (positions and unit normals, model units).
 * `scale` multiplies every amplitude (the realistic kind's is set so the model floor is about 0.7 mm).
 */
export function sampleRegionalShape(
  model: MorphableModel, base: Float32Array, normals: Float32Array, rnd: RandomSource, scale: number,
): RegionalShape {
  const features = sampleRegionalFeatures(model, base, normals, rnd, 0.56 * scale);
  const field: ShapeField = { amplitude: scale * (0.2 + 0.12 * rnd.uniform()), wavelength: 3 + 2 * rnd.uniform(), seed: Math.floor(rnd.uniform() * 1e6) };
  return { features, field };
}

/**
 * Samples regional features on the identity head `base` (positions and unit normals, model units).
 * `scale` multiplies every amplitude (the realistic kind's is set so the model floor is about 0.7 mm).
 */
function sampleRegionalFeatures(
  model: MorphableModel, base: Float32Array, normals: Float32Array, rnd: RandomSource, scale: number,
): (SmoothBump & { name: string })[] {
  const between = (a: number, b: number) => a + (b - a) * rnd.uniform();
  const sign = () => (rnd.uniform() < 0.5 ? -1 : 1);
  const out: (SmoothBump & { name: string })[] = [];
  for (const f of FEATURES) {
    // Bilateral features share a size and differ in push: faces are not symmetric.
    const radius = between(f.radius[0], f.radius[1]);
    const push = between(f.normal[0], f.normal[1]) * sign();
    for (const k of f.anchors) {
      const v = model.landmarks68[k];
      const o = f.offset ?? [0, 0, 0];
      const amplitude = scale * push * between(0.6, 1.2);
      const sideways = scale * (f.sideways ?? 0) * (2 * rnd.uniform() - 1);
      out.push({
        name: f.name,
        centre: [base[3 * v] + o[0], base[3 * v + 1] + o[1], base[3 * v + 2] + o[2]],
        radius,
        displacement: [0, 1, 2].map((c) => amplitude * normals[3 * v + c] + (c === 0 ? sideways : 0)) as [number, number, number],
      });
    }
  }
  return out;
}
