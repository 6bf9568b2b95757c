import { TextureInfo, type Document, type Material, type Texture } from '@gltf-transform/core';
import { srgbToLinear } from '../base/colour.js';
import { materialLook, materialTexture, type MaterialTexture } from './materials.js';
import type { GeometryOptions } from './types.js';

/** The images embedded into the GLB, by the part of the head they cover. */
export type GlbImages = Partial<Record<MaterialTexture, Uint8Array>>;

/** The glTF textures of one part: its base colour and its tangent-space normal map, where given. */
export interface PartTextures {
  baseColour?: Texture;
  normal?: Texture;
}

/** Embeds the images that a kept material shows (PNG or JPEG, by their signature): base colours and normal maps by part. */
export function embedImages(
  doc: Document, images: GlbImages, normalMaps: GlbImages, materials: readonly string[],
): Partial<Record<MaterialTexture, PartTextures>> {
  const shown = new Set(materials.map(materialTexture));
  const out: Partial<Record<MaterialTexture, PartTextures>> = {};
  const embed = (maps: GlbImages, key: keyof PartTextures, name: (part: MaterialTexture) => string) => {
    for (const [part, bytes] of Object.entries(maps) as [MaterialTexture, Uint8Array | undefined][]) {
      if (bytes === undefined || !shown.has(part)) continue;
      (out[part] ??= {})[key] = doc.createTexture(name(part)).setImage(bytes).setMimeType(imageMimeType(bytes, `the ${name(part)} texture`));
    }
  };
  embed(images, 'baseColour', (part) => part);
  embed(normalMaps, 'normal', (part) => `${part}-normal`);
  return out;
}

/** A PBR material for one of the model's materials: its textures where it has them, its plain look otherwise. */
export function glbMaterial(
  doc: Document, name: string, textures: Partial<Record<MaterialTexture, PartTextures>>, opts: GeometryOptions,
): Material {
  const look = materialLook(name, opts.skinColour);
  const part = materialTexture(name);
  const maps = part === undefined ? undefined : textures[part];
  const material = doc.createMaterial(name).setMetallicFactor(0).setRoughnessFactor(look.roughness);
  if (maps?.baseColour) {
    material.setBaseColorFactor([1, 1, 1, 1]).setBaseColorTexture(maps.baseColour);
    sampleClamped(material.getBaseColorTextureInfo()!);
  } else {
    material.setBaseColorFactor([...look.colour.map(srgbToLinear), look.opacity] as [number, number, number, number]);
  }
  if (maps?.normal) {
    material.setNormalTexture(maps.normal);
    sampleClamped(material.getNormalTextureInfo()!);
  }
  if (look.opacity < 1) material.setAlphaMode('BLEND');
  return material;
}

/** Bilinear with mipmaps, clamped at the UV square's edges (each part has its own square). */
function sampleClamped(info: TextureInfo): void {
  info.setMagFilter(TextureInfo.MagFilter.LINEAR).setMinFilter(TextureInfo.MinFilter.LINEAR_MIPMAP_LINEAR)
    .setWrapS(TextureInfo.WrapMode.CLAMP_TO_EDGE).setWrapT(TextureInfo.WrapMode.CLAMP_TO_EDGE);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

export function imageMimeType(bytes: Uint8Array, what: string): 'image/png' | 'image/jpeg' {
  const starts = (signature: number[]) => bytes.length > signature.length && signature.every((b, i) => bytes[i] === b);
  if (starts(PNG_SIGNATURE)) return 'image/png';
  if (starts(JPEG_SIGNATURE)) return 'image/jpeg';
  throw new Error(`${what} is neither a PNG nor a JPEG file`);
}
