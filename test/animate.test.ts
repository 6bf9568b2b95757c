import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import validator from 'gltf-validator';
import { instantiate } from '../src/model/instance.js';
import type { MorphableModel } from '../src/model/types.js';
import {
  ARKIT_BLENDSHAPES, buildExports, EXPRESSION_PRESETS, expressionClip, expressionFromNames, presetExpression,
} from '../src/export/index.js';
import { createReconstructor, type NodeReconstructor, type PhotoReconstruction } from '../src/node.js';
import { padTo } from '../src/pipeline/reconstruct.js';
import { readGlbDocument } from './helpers/mesh-files.js';
import { loadSmallModel } from './helpers/small-model.js';
import { sampleImage } from './helpers/shared-data.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;
const ASTRONAUT = sampleImage('astronaut.png');
const GRACE = sampleImage('grace_hopper.jpg');
const GROUP = sampleImage('group1.jpg');

describe('expressions by name', () => {
  let names: readonly string[];
  before(async () => { names = (await loadSmallModel()).model.expressionNames; });

  test('ICT names (as params.json writes them), ARKit names and ARKit\'s unsplit shapes all set the model\'s weights', () => {
    const w = expressionFromNames(names, { mouthSmile_L: 0.25, mouthSmileRight: 0.5, browInnerUp: 0.75, jawOpen: 1, tongueOut: 0.3 });
    const at = (n: string) => w[names.indexOf(n)];
    assert.equal(at('mouthSmile_L'), 0.25);
    assert.equal(at('mouthSmile_R'), 0.5);
    assert.equal(at('browInnerUp_L'), 0.75);
    assert.equal(at('browInnerUp_R'), 0.75);
    assert.equal(at('jawOpen'), 1);
    assert.equal(w.reduce((s, x) => s + x, 0), 0.25 + 0.5 + 1.5 + 1, 'nothing else set (tongueOut has no ICT shape)');
    // A params.json gives its expression block.
    assert.deepEqual(expressionFromNames(names, { model: 'x', expression: { eyeBlink_R: 0.5 } }), expressionFromNames(names, { eyeBlinkRight: 0.5 }));
  });

  test('an unknown name, a weight outside [0, 1] or a non-object is refused with a message naming it', () => {
    assert.throws(() => expressionFromNames(names, { mouthGrin: 0.5 }), /unknown expression "mouthGrin"/);
    assert.throws(() => expressionFromNames(names, { jawOpen: 1.5 }), /weight of "jawOpen" must be a number in \[0, 1\]/);
    assert.throws(() => expressionFromNames(names, { jawOpen: 'wide' }), /weight of "jawOpen"/);
    assert.throws(() => expressionFromNames(names, [0.1, 0.2]), /JSON object/);
  });

  test('every preset is made of known names; smile smiles, frown lowers the brows, neutral is all zero', () => {
    for (const name of Object.keys(EXPRESSION_PRESETS)) assert.ok(presetExpression(names, name), name);
    assert.ok(presetExpression(names, 'smile')![names.indexOf('mouthSmile_L')] > 0.5);
    assert.ok(presetExpression(names, 'frown')![names.indexOf('browDown_R')] > 0.5);
    assert.ok(presetExpression(names, 'neutral')!.every((x) => x === 0));
    assert.equal(presetExpression(names, 'grin'), undefined);
  });
});

describe('animated GLB exports', () => {
  let model: MorphableModel;
  let expression: Float32Array;
  let positions: Float32Array;
  before(async () => {
    model = (await loadSmallModel()).model;
    const identity = new Float32Array(model.identityCount);
    identity[1] = 0.8;
    // Halves that differ: the 52-name file shows their mean.
    expression = expressionFromNames(model.expressionNames, { browInnerUp_L: 0.6, browInnerUp_R: 0.2, jawOpen: 0.3 });
    positions = instantiate(model, { identity, expression });
  });

  async function validate(bytes: Uint8Array) {
    const report = await validator.validateBytes(bytes, { maxIssues: 1000 });
    const errors = report.issues.messages.filter((m: { severity: number }) => m.severity === 0);
    assert.equal(report.issues.numErrors, 0, JSON.stringify(errors.slice(0, 5)));
  }

  test('--clip: valid glTF whose one animation drives the mesh node\'s 53 morph weights through the clip\'s keyframes', async () => {
    const clip = expressionClip(model.expressionNames, expression);
    const { 'head.glb': glb } = await buildExports(model, positions, expression, undefined, { files: ['head.glb'], clip });
    await validate(glb);
    const { doc } = await readGlbDocument(glb);
    const root = doc.getRoot();
    assert.equal(root.listNodes().length, 2, 'root (metres) and mesh node');
    const [animation] = root.listAnimations();
    assert.equal(root.listAnimations().length, 1);
    assert.equal(animation.getName(), 'expressions');
    const channels = animation.listChannels();
    assert.equal(channels.length, 1);
    assert.equal(channels[0].getTargetPath(), 'weights');
    const meshNode = root.listNodes().find((n) => n.getMesh())!;
    assert.equal(channels[0].getTargetNode(), meshNode);
    const sampler = channels[0].getSampler()!;
    assert.equal(sampler.getInterpolation(), 'LINEAR');
    const times = Array.from(sampler.getInput()!.getArray()!);
    assert.equal(times.length, clip.times.length);
    assert.ok(times.length >= 5 && times.every((t, i) => i === 0 || (t as number) > (times[i - 1] as number)), 'increasing keyframe times');
    const output = sampler.getOutput()!.getArray()!;
    const K = model.expressionNames.length;
    assert.equal(output.length, times.length * K);
    // Keyframe 0 is the head's own expression, keyframe 1 the smile; the loop ends where it began.
    const keyframe = (i: number) => Array.from(output.subarray(i * K, (i + 1) * K));
    assert.deepEqual(keyframe(0), Array.from(expression));
    assert.deepEqual(keyframe(1), Array.from(presetExpression(model.expressionNames, 'smile')!));
    assert.deepEqual(keyframe(times.length - 1), Array.from(expression));
  });

  test('ARKit-52 naming: exactly ARKit\'s 52 names; browInnerUp is both ICT halves, tongueOut is empty; valid with a clip', async () => {
    const clip = expressionClip(model.expressionNames, expression);
    const files = await buildExports(model, positions, expression, undefined, { files: ['head.glb'] });
    const { 'head.glb': glb } = await buildExports(model, positions, expression, undefined, { files: ['head.glb'], arkit52: true, clip });
    await validate(glb);
    const { doc, primitives } = await readGlbDocument(glb);
    const mesh = doc.getRoot().listMeshes()[0];
    const names = mesh.listPrimitives()[0].listTargets().map((t) => t.getName());
    assert.deepEqual(names, [...ARKIT_BLENDSHAPES]);
    assert.equal(new Set(names).size, 52);
    const weights = mesh.getWeights();
    assert.ok(Math.abs(weights[names.indexOf('browInnerUp')] - 0.4) < 1e-6, 'the halves\' mean');
    assert.ok(Math.abs(weights[names.indexOf('jawOpen')] - 0.3) < 1e-6);
    const channel = doc.getRoot().listAnimations()[0].listChannels()[0];
    assert.equal(channel.getSampler()!.getOutput()!.getArray()!.length, clip.times.length * 52);
    // Against the 53-target file of the same head: the same base mesh, browInnerUp = browInnerUp_L + browInnerUp_R.
    const ict = await readGlbDocument(files['head.glb']);
    const ictNames = ict.doc.getRoot().listMeshes()[0].listPrimitives()[0].listTargets().map((t) => t.getName());
    const face = primitives.findIndex((p) => p.material.getName() === 'M_Face');
    assert.ok(face >= 0);
    const p52 = primitives[face], p53 = ict.primitives[face];
    let maxBase = 0, maxMerged = 0, moved = 0;
    const merged = p52.targets[names.indexOf('browInnerUp')].positions;
    const left = p53.targets[ictNames.indexOf('browInnerUpLeft')].positions, right = p53.targets[ictNames.indexOf('browInnerUpRight')].positions;
    for (let i = 0; i < p52.positions.length; i++) {
      maxBase = Math.max(maxBase, Math.abs(p52.positions[i] - p53.positions[i]));
      maxMerged = Math.max(maxMerged, Math.abs(merged[i] - left[i] - right[i]));
      if (Math.abs(merged[i]) > 0.5) moved++;
    }
    assert.ok(maxBase < 0.02, `base mesh differs by ${maxBase} mm`);
    assert.ok(maxMerged < 0.05, `merged delta differs from the halves' sum by ${maxMerged} mm`);
    assert.ok(moved > 20, 'browInnerUp moves the brows');
    assert.ok(p52.targets[names.indexOf('tongueOut')].positions.every((x) => x === 0));
  });
});

describe('animate: face A with the expression of photo B (landmark fits)', () => {
  let recon: NodeReconstructor;
  let a: PhotoReconstruction, b: PhotoReconstruction;
  let files: Record<string, string | Uint8Array>;
  before(async () => {
    recon = await createReconstructor({ identitySimilarity: false });
    a = await recon.reconstruct(ASTRONAUT, { photometric: false });
    b = await recon.reconstruct(GRACE, { photometric: false });
    const target = { expression: b.faces[0].expression, source: { kind: 'photo' as const, name: 'grace' }, photo: { image: b.image, face: b.faces[0] }, pose: true };
    files = await recon.animateOutputFiles(a, 0, target, { outputs: ['head.glb', 'render.png'] });
  });
  after(() => recon?.dispose());

  test('params.json: A\'s identity, B\'s expression and head rotation, A\'s position; the animate block says so', () => {
    const params = JSON.parse(files['face0/params.json'] as string);
    const fa = a.faces[0], fb = b.faces[0];
    assert.ok(params.identity.every((x: number, i: number) => Math.abs(x - fa.identity[i]) < 1e-4));
    const names = recon.model.expressionNames;
    assert.ok(names.every((n, k) => Math.abs(params.expression[n] - fb.expression[k]) < 1e-4));
    // The two photos' expressions differ (else this would not test the transfer).
    assert.ok(names.some((_, k) => Math.abs(fa.expression[k] - fb.expression[k]) > 0.1));
    assert.ok(params.pose.rotation.flat().every((x: number, i: number) => Math.abs(x - fb.pose.rotation[i]) < 1e-5));
    assert.ok(params.pose.translationMm.every((x: number, i: number) => Math.abs(x - 10 * fa.pose.translation[i]) < 1e-2));
    assert.deepEqual(params.animate.expressionFrom, { kind: 'photo', name: 'grace' });
    assert.equal(params.animate.poseFrom, 'expression photo');
  });

  test('head.glb shows A\'s identity with B\'s expression at its default weights', async () => {
    const { primitives, doc } = await readGlbDocument(files['face0/head.glb'] as Uint8Array);
    const mesh = doc.getRoot().listMeshes()[0];
    assert.deepEqual(mesh.getWeights().map((w) => Math.round(w * 1e4)), Array.from(b.faces[0].expression, (w) => Math.round(w * 1e4)));
    // Base + weights x targets against the model instance, on the face primitive.
    const face = primitives.find((p) => p.material.getName() === 'M_Face')!;
    const expected = instantiate(recon.model, { identity: padTo(a.faces[0].identity, recon.model.identityCount), expression: b.faces[0].expression });
    const weights = mesh.getWeights();
    const shaped = Float64Array.from(face.positions);
    face.targets.forEach((t, k) => { for (let i = 0; i < shaped.length; i++) shaped[i] += weights[k] * t.positions[i]; });
    // Primitive vertices are model vertices split at seams: match by nearest expected vertex over a sample.
    let worst = 0;
    for (let j = 0; j < shaped.length / 3; j += 97) {
      let best = Infinity;
      for (let v = 0; v < expected.length / 3; v++) {
        const d = Math.hypot(shaped[3 * j] - 10 * expected[3 * v], shaped[3 * j + 1] - 10 * expected[3 * v + 1], shaped[3 * j + 2] - 10 * expected[3 * v + 2]);
        if (d < best) best = d;
      }
      worst = Math.max(worst, best);
    }
    assert.ok(worst < 0.05, `head.glb off A-with-B's-expression by ${worst} mm`);
  });

  test('animate.png: three panels; turntable.png: six; the animated head differs from A\'s photo where the expression changed', async () => {
    const meta = async (name: string) => sharp(files[name] as Uint8Array).metadata();
    assert.deepEqual([(await meta('animate.png')).width, (await meta('animate.png')).height], [960, 320]);
    assert.deepEqual([(await meta('turntable.png')).width, (await meta('turntable.png')).height], [1920, 320]);
    assert.ok(files['face0/render.png'] && !files['face0/mesh.obj'] && !files['overlay.png'], '--outputs is honoured');
    // Each turntable frame shows a head (not the background) in its middle.
    const { data, info } = await sharp(files['turntable.png'] as Uint8Array).raw().toBuffer({ resolveWithObject: true });
    for (let f = 0; f < 6; f++) {
      const o = info.channels * (160 * info.width + f * 320 + 160);
      assert.ok(data[o] > 110 && data[o] > data[o + 2], `frame ${f}: skin in the middle (${data[o]}, ${data[o + 1]}, ${data[o + 2]})`);
    }
  });
});

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, 'animate', ...args], { maxBuffer: 1 << 24 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (err as NodeJS.ErrnoException & { code: number }).code ?? 1 : 0, stderr });
    });
  });
}

describe('facerecon animate (command line)', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'facerecon-animate-')); });

  test('a preset, the 52 ARKit names and a clip: the files of a reconstruction, animate.png and turntable.png', async () => {
    const out = join(dir, 'smile');
    const r = await run([ASTRONAUT, '--expression', 'smile', '--landmarks-only', '--clip', '--arkit52', '--outputs', 'head.glb', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['animate.png', 'turntable.png', 'face0/head.glb', 'face0/params.json']) assert.ok(existsSync(join(out, f)), f);
    const params = JSON.parse(await readFile(join(out, 'face0/params.json'), 'utf8'));
    assert.deepEqual(params.animate.expressionFrom, { kind: 'preset', name: 'smile' });
    assert.equal(params.expression.mouthSmile_L, EXPRESSION_PRESETS.smile.mouthSmileLeft);
    const { doc } = await readGlbDocument(new Uint8Array(await readFile(join(out, 'face0/head.glb'))));
    assert.deepEqual(doc.getRoot().listMeshes()[0].listPrimitives()[0].listTargets().map((t) => t.getName()), [...ARKIT_BLENDSHAPES]);
    assert.equal(doc.getRoot().listAnimations().length, 1);
  });

  test('bad input: one error line, non-zero exit, no output folder', async () => {
    const blank = join(dir, 'blank.png');
    await writeFile(blank, await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 160 } } }).png().toBuffer());
    const badJson = join(dir, 'bad.json');
    await writeFile(badJson, '{ "jawOpen": 0.5, ');
    const unknownName = join(dir, 'unknown.json');
    await writeFile(unknownName, JSON.stringify({ jawOpen: 0.5, mouthGrin: 1 }));
    const cases: [string, string[], RegExp][] = [
      ['unknown preset', [ASTRONAUT, '--expression', 'grin'], /unknown expression preset "grin"/],
      ['weights not JSON', [ASTRONAUT, '--expression', badJson], /bad\.json: not JSON/],
      ['missing weights file', [ASTRONAUT, '--expression', join(dir, 'none.json')], /cannot read the weights file \(no such file/],
      ['unknown name in weights', [ASTRONAUT, '--expression', unknownName, '--landmarks-only'], /unknown\.json: unknown expression "mouthGrin"/],
      ['--pose without a photo', [ASTRONAUT, '--expression', 'frown', '--pose'], /--pose takes the pose of a photo/],
      ['no face in A', [blank, '--expression', 'smile', '--landmarks-only'], /blank\.png: no face found/],
      ['two faces in A without --face', [GROUP, '--expression', 'smile', '--landmarks-only'], /several faces; choose one with --face/],
    ];
    for (const [what, args, message] of cases) {
      const out = join(dir, what.replace(/\W+/g, '-'));
      const r = await run([...args, '--out', out]);
      assert.equal(r.code, 1, `${what}: exit ${r.code}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
      assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
      assert.match(lines[0], message, what);
      assert.ok(!/\n\s+at /.test(r.stderr), `${what}: no stack trace`);
      assert.ok(!existsSync(out), `${what}: no output folder`);
    }
  });
});
