/**
 * examples/wrinkle-maps.html in real Chromium: a head.glb and wrinkles/ folder made by our own code
 * (the small model, a synthetic person's smiling detail, the wrinkle maps `facerecon animate
 * --wrinkle-maps` writes), served with the repository's three.js over HTTP on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import sharp from 'sharp';
import { tangentNormalMap, wrinkleMaps } from '../src/detail/index.js';
import { exportMeshFromModel, toGlb } from '../src/export/index.js';
import { encodePng } from '../src/io/write-image.js';
import { wrinkleMapFiles } from '../src/pipeline/animate.js';
import { launchChromium } from './helpers/browser.js';
import { loadSmallModel } from './helpers/small-model.js';
import { smilingWrinkles } from './helpers/smiling-wrinkles.js';

const ROOT = new URL('..', import.meta.url).pathname;
const dir = await mkdtemp(join(tmpdir(), 'facerecon-wrinkle-page-'));
after(() => rm(dir, { recursive: true, force: true }));

/** head.glb (normal texture = the static detail) and wrinkles/ of a synthetic smiling face, in `face`. */
async function writeFace(face: string): Promise<void> {
  const { model } = await loadSmallModel();
  const size = 128, { rest, wrinkles } = smilingWrinkles(model, size);
  await mkdir(join(face, 'wrinkles'), { recursive: true });
  for (const [name, data] of Object.entries(await wrinkleMapFiles(wrinkleMaps(model, wrinkles, size), encodePng))) await writeFile(join(face, 'wrinkles', name), data);
  const mesh = exportMeshFromModel(model, rest, new Float32Array(model.expressionNames.length));
  mesh.normalMap = await encodePng(tangentNormalMap(wrinkles.at(new Float32Array(model.expressionNames.length)), size));
  await writeFile(join(face, 'head.glb'), await toGlb(mesh));
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.png': 'image/png', '.glb': 'model/gltf-binary' };

/** The repository's examples/ and node_modules/three/, and /face/ from `face`, over HTTP on 127.0.0.1. */
async function serve(face: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    const file = path.startsWith('/face/') ? join(face, path.slice('/face/'.length))
      : path.startsWith('/examples/') || path.startsWith('/node_modules/three/') ? join(ROOT, path) : undefined;
    if (!file || path.includes('..') || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('examples/wrinkle-maps.html loads a head and its wrinkle maps without errors, and a morph weight blends its region\'s normal map into the pixels', async () => {
  const face = join(dir, 'face');
  await writeFace(face);
  const server = await serve(face);
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 360, height: 360 });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.url()}: HTTP ${r.status()}`); });
    await page.goto(`${server.url}/examples/wrinkle-maps.html?face=/face`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    const loaded = await page.evaluate(() => {
      const m = (window as any).wrinkleMaps.morphed;
      return { targets: Object.keys(m.morphTargetDictionary).length, normalMap: Boolean(m.material.normalMap ?? m.material[0]?.normalMap) };
    });
    assert.ok(loaded.targets >= 52 && loaded.normalMap, `morph targets: ${loaded.targets}, normal map: ${loaded.normalMap}`);
    await page.uncheck('#play');
    await page.addStyleTag({ content: '#panel { display: none }' });
    // The frown's drivers: browDown_L/_R drive the glabella's wrinkle map (wrinkles.json).
    const frame = async (weight: number, blend: boolean) => {
      await page.evaluate(([w, b]) => new Promise<void>((resolve) => {
        const demo = (window as any).wrinkleMaps, m = demo.morphed;
        for (const name of ['browDown_L', 'browDown_R', 'browDownLeft', 'browDownRight']) {
          const k = m.morphTargetDictionary[name];
          if (k !== undefined) m.morphTargetInfluences[k] = w;
        }
        demo.blend = b;
        requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
      }), [weight, blend] as const);
      const { data } = await sharp(await page.locator('canvas').screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return data;
    };
    const changed = (a: Buffer, b: Buffer) => { let n = 0; for (let p = 0; p < a.length; p += 3) if (Math.abs(a[p] - b[p]) + Math.abs(a[p + 1] - b[p + 1]) + Math.abs(a[p + 2] - b[p + 2]) > 6) n++; return n; };
    const restBlended = await frame(0, true), restBase = await frame(0, false);
    const frownBlended = await frame(1, true), frownBase = await frame(1, false);
    const head = changed(restBlended, Buffer.alloc(restBlended.length).fill(restBlended.subarray(0, 3)));
    assert.ok(head > 2000, `the head covers ${head} pixels`);
    // At weight 0 the blend adds nothing; at weight 1 the same geometry shades differently with the glabella's map blended in.
    assert.equal(changed(restBlended, restBase), 0);
    const byWrinkles = changed(frownBlended, frownBase);
    // (Before the page put the patched chunk in, its blend never reached the shader: 0 pixels changed.)
    assert.ok(byWrinkles > 100, `${byWrinkles} of ${head} head pixels change with the wrinkle maps blended at browDown 1`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
