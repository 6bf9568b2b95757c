import { basename, extname } from 'node:path';

/** Names for several images' outputs: file stems, made unique. */
export function uniqueStems(paths: string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const stem = basename(p, extname(p)) || 'image';
    const n = seen.get(stem) ?? 0;
    seen.set(stem, n + 1);
    return n ? `${stem}-${n + 1}` : stem;
  });
}
