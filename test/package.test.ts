/**
 * The package as a user gets it: a scratch project in a temp folder installs the repository by
 * path (npm links it), and runs the README's library example, importing 'facerecon/node' by
 * package name through the exports map.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sampleImage } from './helpers/shared-data.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ASTRONAUT = sampleImage('astronaut.png');

/** The first code block of the README's Library section. */
async function readmeLibraryExample(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'README has a Library section with a ts code block');
  return block[1];
}

/** Builds dist/ and links the repository into a fresh scratch project; returns its folder. */
async function scratchProject(): Promise<string> {
  await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT });
  const dir = await mkdtemp(join(tmpdir(), 'facerecon-scratch-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await run('npm', ['install', ROOT, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
  assert.equal(await realpath(join(dir, 'node_modules', 'facerecon')), await realpath(ROOT), 'facerecon is the repository, linked');
  return dir;
}

test('README library example runs from a scratch project that installs the package by path', async () => {
  const example = await readmeLibraryExample();
  assert.equal(example.trim(), [
    "import { createReconstructor } from 'facerecon/node';",
    'const recon = await createReconstructor();',
    "const faces = await recon.reconstruct('photo.jpg');",
    "await recon.writeOutputs(faces, 'out/');",
  ].join('\n'));
  const dir = await scratchProject();
  await copyFile(ASTRONAUT, join(dir, 'photo.jpg')); // decoders go by content, not by name
  const report = "console.log(JSON.stringify({ count: faces.faces.length, yaw: faces.faces[0]?.detection.rotation.yaw, " +
    'vertices: faces.faces[0]?.positions.length / 3, modelVertices: recon.model.vertexCount, format: faces.file?.format, options: faces.options }));\n';
  await writeFile(join(dir, 'main.mjs'), `${example}${report}`);
  const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: dir, maxBuffer: 1 << 24 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.equal(result.count, 1);
  assert.ok(Math.abs(result.yaw) < 20, `frontal portrait, yaw ${result.yaw}`);
  assert.equal(result.vertices, result.modelVertices);
  assert.equal(result.format, 'png');
  assert.equal(result.options.fit.iterations, 20, 'the options used, defaults filled in');
  for (const f of ['overlay.png', 'face0/head.glb', 'face0/mesh.obj', 'face0/albedo.png', 'face0/params.json']) {
    assert.ok(existsSync(join(dir, 'out', f)), `missing out/${f}`);
  }
  const params = JSON.parse(await readFile(join(dir, 'out', 'face0', 'params.json'), 'utf8'));
  assert.equal(params.options.detection.minFaceSize, 32);
  assert.ok(params.photometric.sampleCount > 500);

  // The types resolve through the exports map too: the same code typechecks as TypeScript.
  await writeFile(join(dir, 'main.ts'), `${example}const yaw: number = faces.faces[0].pose.rotation[0];\nexport { yaw };\n`);
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
    files: ['main.ts'],
  }));
  await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: dir });

  // 'facerecon' is the core without createReconstructor; deep imports are closed.
  const probe = `const core = await import('facerecon');
console.log(JSON.stringify({ core: typeof core.reconstructorFrom, node: typeof core.createReconstructor, version: (await import('facerecon/package.json', { with: { type: 'json' } })).default.version }));
await import('facerecon/dist/pipeline/reconstruct.js').then(() => console.log('deep import allowed'), (e) => console.log(e.code));\n`;
  await writeFile(join(dir, 'probe.mjs'), probe);
  const lines = (await run(process.execPath, ['probe.mjs'], { cwd: dir })).stdout.trim().split('\n');
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(JSON.parse(lines[0]), { core: 'function', node: 'undefined', version: pkg.version });
  assert.equal(lines[1], 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test("the core entry (dist/index.js) reaches no Node API: it can be bundled for a browser", async () => {
  await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT });
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    // `... from 'x'`, `import 'x'` and `import('x')`.
    for (const m of text.matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) await visit(resolve(dirname(file), spec));
      else external.add(spec);
    }
  };
  await visit(join(ROOT, 'dist', 'index.js'));
  assert.ok(seen.size > 50, `${seen.size} modules reached`);
  const nodeOnly = [...external].filter((s) => s.startsWith('node:') || s === 'sharp' || /^(fs|path|os|url|zlib|crypto|child_process)$/.test(s));
  assert.deepEqual(nodeOnly, [], `core imports ${nodeOnly.join(', ')}`);
});
