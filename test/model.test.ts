import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { MorphableModel } from '../src/model/types.js';
import { loadIctModel, type LoadedModel } from '../src/model/node/load-ict.js';
import { downloadIctFaceKit } from '../src/model/node/download.js';
import { progressBar } from '../src/model/node/progress.js';
import { SHARED_ICT } from './helpers/shared-data.js';
import { loadSmallModel } from './helpers/small-model.js';
import { serialiseModel } from '../src/model/binary.js';
import { rawDeflateOfGzip, writeZip, type ZipMember } from './helpers/zip-writer.js';

const SHARED_FACEX = join(SHARED_ICT, 'FaceXModel');
const ICT_VERTICES = 26719;

let work = '';
let reference: MorphableModel; // imported from ../shared (.obj.gz), never quantised
let expressionNames: string[] = [];
const timings: Record<string, number> = {};

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'facerecon-model-'));
  expressionNames = JSON.parse(await readFile(join(SHARED_FACEX, 'vertex_indices.json'), 'utf8')).expressions;
});
after(async () => {
  await rm(work, { recursive: true, force: true });
  console.log(`model load timings (ms): ${JSON.stringify(timings)}`);
});

// ---------- helpers ----------

/** A text sink that records what a progress bar writes. */
function captureOutput(isTTY = false): { write(text: string): boolean; isTTY: boolean; text: string } {
  return { isTTY, text: '', write(s: string) { this.text += s; return true; } };
}

/** Runs `fn` with some environment variables set (undefined = unset) and restores them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
  };
  apply(vars);
  try { return await fn(); } finally { apply(saved); }
}

/** No model location from the environment leaks into a test. */
const NO_MODEL_ENV = { FACERECON_MODEL: undefined, FACERECON_MODEL_URL: undefined, FACERECON_CACHE: undefined };

async function load(options: Parameters<typeof loadIctModel>[0], env: Record<string, string | undefined> = {}): Promise<LoadedModel> {
  return withEnv({ ...NO_MODEL_ENV, ...env }, () => loadIctModel({ progress: false, ...options }));
}

/**
 * Asserts two models are the same: topology, names and index arrays exactly; the neutral exactly;
 * the bases exactly or, with `quantised`, within half an int16 step of each mode's scale.
 */
function assertSameModel(actual: MorphableModel, expected: MorphableModel, quantised: boolean): void {
  assert.equal(actual.vertexCount, expected.vertexCount);
  assert.equal(actual.identityCount, expected.identityCount);
  assert.deepEqual(actual.expressionNames, expected.expressionNames);
  assert.deepEqual(actual.materials, expected.materials);
  assert.deepEqual(actual.triangleRegions, expected.triangleRegions);
  for (const key of ['neutral', 'uvs', 'polygonStart', 'polygonVertices', 'polygonUvs', 'polygonMaterial', 'triangles',
    'triangleUvs', 'trianglePolygon', 'landmarks68', 'identityModeRms'] as const) {
    assert.deepEqual(actual[key], expected[key], key);
  }
  const modeCounts = { identityBasis: expected.identityCount, expressionBasis: expected.expressionNames.length };
  for (const [key, modes] of Object.entries(modeCounts) as ['identityBasis' | 'expressionBasis', number][]) {
    const a = actual[key];
    const e = expected[key];
    assert.equal(a.length, e.length, key);
    const per = e.length / modes;
    for (let k = 0; k < modes; k++) {
      let max = 0;
      for (let i = k * per; i < (k + 1) * per; i++) max = Math.max(max, Math.abs(e[i]));
      // Half an int16 step, plus the float32 rounding of the dequantised value.
      const tolerance = quantised ? (0.5 * max) / 32767 + max * 2 ** -23 : 0;
      let worst = 0;
      for (let i = k * per; i < (k + 1) * per; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]));
      assert.ok(worst <= tolerance, `${key} mode ${k}: differs by ${worst} (allowed ${tolerance})`);
    }
  }
}

async function filesIn(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  timings[name] = Math.round(performance.now() - t0);
  return out;
}

// ---------- local folders: .obj.gz, plain .obj, explicit path, $FACERECON_MODEL ----------

describe('loading ICT-FaceKit from a local folder', () => {
  const gzCache = () => join(work, 'cache-gz');
  const plainRoot = () => join(work, 'ICT-FaceKit'); // as cloned from upstream: plain .obj files
  const plainCache = () => join(work, 'cache-plain');

  test('imports the .obj.gz folder, writes the cache (removing what it supersedes), then loads from the cache', async () => {
    // Caches of this folder's earlier files or import format are removed; another folder's stays.
    const small = (await loadSmallModel()).model;
    await mkdir(gzCache(), { recursive: true });
    await writeFile(join(gzCache(), 'ict-0123456789abcdef.frm'), serialiseModel(small, `ict-import-v1|${SHARED_FACEX}|old.obj.gz:1:2`));
    const otherFolder = serialiseModel(small, `ict-import-v2|/elsewhere/FaceXModel|a.obj.gz:1:2`);
    await writeFile(join(gzCache(), 'ict-fedcba9876543210.frm'), otherFolder);
    const first = await timed('import .obj.gz', () => load({ modelPath: SHARED_ICT, cacheDir: gzCache() }));
    assert.equal(first.how, 'imported');
    assert.equal(first.source, SHARED_FACEX);
    reference = first.model;
    assert.equal(reference.vertexCount, ICT_VERTICES);
    assert.equal(reference.neutral.length, 3 * ICT_VERTICES);
    assert.equal(reference.identityCount, 100);
    assert.equal(reference.identityBasis.length, 100 * 3 * ICT_VERTICES);
    assert.equal(reference.expressionNames.length, 53);
    assert.deepEqual(reference.expressionNames, expressionNames);
    assert.equal(reference.expressionBasis.length, 53 * 3 * ICT_VERTICES);
    const cacheFiles = (await filesIn(gzCache())).filter((name) => name !== 'ict-fedcba9876543210.frm');
    assert.equal(cacheFiles.length, 1, `cache folder holds ${cacheFiles.join(', ')}`);
    assert.match(cacheFiles[0], /^ict-[0-9a-f]{16}\.frm$/);
    assert.deepEqual(new Uint8Array(await readFile(join(gzCache(), 'ict-fedcba9876543210.frm'))), otherFolder);

    const second = await timed('load from cache', () => load({ modelPath: SHARED_ICT, cacheDir: gzCache() }));
    assert.equal(second.how, 'cache');
    assertSameModel(second.model, reference, true);
  });

  test('a plain .obj folder (as cloned from upstream) gives the same model as the .obj.gz folder', async () => {
    const facex = join(plainRoot(), 'FaceXModel');
    await mkdir(facex, { recursive: true });
    for (const name of await readdir(SHARED_FACEX)) {
      const bytes = await readFile(join(SHARED_FACEX, name));
      if (name.endsWith('.obj.gz')) await writeFile(join(facex, name.slice(0, -3)), gunzipSync(bytes));
      else await writeFile(join(facex, name), bytes);
    }
    for (const name of ['README.md', 'LICENSE']) await writeFile(join(plainRoot(), name), await readFile(join(SHARED_ICT, name)));
    assert.ok(!(await readdir(facex)).some((n) => n.endsWith('.gz')));

    const plain = await timed('import plain .obj', () => load({ modelPath: plainRoot(), cacheDir: plainCache() }));
    assert.equal(plain.how, 'imported');
    assert.equal(plain.source, facex);
    assertSameModel(plain.model, reference, false);
  });

  test('the explicit path wins over $FACERECON_MODEL, which wins over ../shared', async () => {
    const facex = join(plainRoot(), 'FaceXModel');
    // The env var alone: the plain folder (already cached by the test above).
    const fromEnv = await load({ cacheDir: plainCache() }, { FACERECON_MODEL: facex });
    assert.equal(fromEnv.source, facex);
    assert.equal(fromEnv.how, 'cache');
    // An explicit path beats the env var.
    const explicit = await load({ modelPath: SHARED_ICT, cacheDir: gzCache() }, { FACERECON_MODEL: facex });
    assert.equal(explicit.source, SHARED_FACEX);
    assert.equal(explicit.how, 'cache');
    // A cached .frm file can be given directly.
    const frm = join(gzCache(), (await filesIn(gzCache()))[0]);
    const direct = await load({ modelPath: frm, cacheDir: join(work, 'unused-cache') });
    assert.equal(direct.how, 'cache');
    assert.equal(direct.model.vertexCount, ICT_VERTICES);
    assert.equal(existsSync(join(work, 'unused-cache')), false);
  });

  test('a path without a model gives a clear error', async () => {
    const empty = join(work, 'empty');
    await mkdir(empty, { recursive: true });
    await assert.rejects(load({ modelPath: empty, cacheDir: join(work, 'cache-none') }), (err: Error) => {
      assert.ok(err.message.includes(empty), err.message);
      assert.match(err.message, /generic_neutral_mesh\.obj/);
      assert.match(err.message, /vertex_indices\.json/);
      return true;
    });
    const missing = join(work, 'no-such-folder');
    await assert.rejects(load({ modelPath: missing, cacheDir: join(work, 'cache-none') }), (err: Error) => {
      assert.ok(err.message.includes(missing), err.message);
      assert.match(err.message, /does not exist/);
      return true;
    });
    await assert.rejects(load({ cacheDir: join(work, 'cache-none') }, { FACERECON_MODEL: missing }), (err: Error) => {
      assert.ok(err.message.includes(missing), err.message);
      assert.match(err.message, /FACERECON_MODEL/, 'the message says where the path came from');
      return true;
    });
    assert.deepEqual(await filesIn(join(work, 'cache-none')), []);
  });
});

// ---------- download of the upstream archive from a loopback server ----------

/** Builds an archive laid out like GitHub's master.zip of ICT-VGL/ICT-FaceKit from ../shared. */
async function buildUpstreamZip(options: { store?: string[] } = {}): Promise<Buffer> {
  const top = 'ICT-FaceKit-master/';
  const members: ZipMember[] = [
    { name: top },
    { name: `${top}README.md`, data: await readFile(join(SHARED_ICT, 'README.md')), deflate: true },
    { name: `${top}LICENSE`, data: await readFile(join(SHARED_ICT, 'LICENSE')), deflate: true },
    { name: `${top}CREDITS.md`, data: await readFile(join(SHARED_ICT, 'CREDITS.md')), deflate: true },
    { name: `${top}Blender/` },
    // Another README further down must not replace the top one.
    { name: `${top}Blender/README.md`, data: Buffer.from('# Blender add-on\n'), deflate: true },
    { name: `${top}Blender/Scripts/ICTFaceKit.py`, data: Buffer.from('print("not part of the model")\n'), deflate: true },
    { name: `${top}FaceXModel/` },
  ];
  for (const name of (await readdir(SHARED_FACEX)).sort()) {
    const bytes = await readFile(join(SHARED_FACEX, name));
    if (!name.endsWith('.gz')) members.push({ name: `${top}FaceXModel/${name}`, data: bytes, deflate: true });
    else if (options.store?.includes(name)) members.push({ name: `${top}FaceXModel/${name.slice(0, -3)}`, data: gunzipSync(bytes) });
    else members.push({ name: `${top}FaceXModel/${name.slice(0, -3)}`, deflated: rawDeflateOfGzip(bytes) });
  }
  return writeZip(members, '0123456789abcdef0123456789abcdef01234567');
}

/** Offset of a member's data in a zip built by writeZip (name, then a 9-byte extra field). */
function memberDataOffset(zip: Buffer, name: string): number {
  const at = zip.indexOf(Buffer.from(name));
  assert.ok(at > 30, `${name} in the archive`);
  return at + Buffer.byteLength(name) + 9;
}

describe('downloading ICT-FaceKit when no local copy exists', () => {
  let server: Server;
  let base = '';
  let zip: Buffer;
  const routes = new Map<string, (res: ServerResponse) => void>();
  const requests: string[] = [];

  before(async () => {
    zip = await buildUpstreamZip();
    const truncated = zip.subarray(0, Math.floor(zip.length / 2));
    const corruptDeflated = Buffer.from(zip);
    const at = memberDataOffset(corruptDeflated, 'FaceXModel/identity050.obj') + 200_000;
    for (let i = 0; i < 16; i++) corruptDeflated[at + i] ^= 0x5a;
    // A stored member with one digit changed inflates fine; only its CRC-32 can tell.
    const corruptStored = await buildUpstreamZip({ store: ['generic_neutral_mesh.obj.gz'] });
    const digit = memberDataOffset(corruptStored, 'FaceXModel/generic_neutral_mesh.obj') + 1000;
    const d = corruptStored.indexOf('5', digit);
    corruptStored[d] = '6'.charCodeAt(0);
    const notTheModel = writeZip([{ name: 'something-else/README.md', data: Buffer.from('hello'), deflate: true }]);
    // An intact archive whose neutral mesh is not ICT-FaceKit's: extraction succeeds, the import fails.
    const wrongMesh = writeZip([
      { name: 'ICT-FaceKit-master/FaceXModel/vertex_indices.json', data: await readFile(join(SHARED_FACEX, 'vertex_indices.json')), deflate: true },
      { name: 'ICT-FaceKit-master/FaceXModel/generic_neutral_mesh.obj', data: Buffer.from('v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n'), deflate: true },
    ]);

    const send = (body: Uint8Array) => (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length });
      res.end(body);
    };
    routes.set('/ICT-FaceKit-master.zip', send(zip));
    routes.set('/truncated.zip', send(truncated));
    routes.set('/corrupt-deflated.zip', send(corruptDeflated));
    routes.set('/corrupt-stored.zip', send(corruptStored));
    routes.set('/not-the-model.zip', send(notTheModel));
    routes.set('/wrong-mesh.zip', send(wrongMesh));
    routes.set('/dropped.zip', (res) => {
      // Announces the whole archive, sends half of it, then the connection breaks.
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length });
      res.write(zip.subarray(0, zip.length >> 1), () => res.socket?.destroy());
    });
    const smallZip = writeZip([
      { name: 'ICT-FaceKit-master/' },
      { name: 'ICT-FaceKit-master/README.md', data: await readFile(join(SHARED_ICT, 'README.md')), deflate: true },
      { name: 'ICT-FaceKit-master/FaceXModel/vertex_indices.json', data: await readFile(join(SHARED_FACEX, 'vertex_indices.json')), deflate: true },
      { name: 'ICT-FaceKit-master/FaceXModel/generic_neutral_mesh.obj', data: gunzipSync(await readFile(join(SHARED_FACEX, 'generic_neutral_mesh.obj.gz'))) },
    ]);

    routes.set('/chunked-small.zip', (res) => {
      // No Content-Length, as GitHub's archive endpoint answers: the total is unknown while receiving.
      res.writeHead(200, { 'content-type': 'application/zip' });
      for (let p = 0; p < smallZip.length; p += 256 * 1024) res.write(smallZip.subarray(p, p + 256 * 1024));
      res.end();
    });
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const route = routes.get(req.url ?? '');
      if (route) route(res);
      else { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('Not Found'); }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const requestsFor = (path: string) => requests.filter((r) => r === path).length;

  test('downloads, imports and caches the model; the second load uses the cache', async () => {
    assert.ok(reference, 'needs the reference import from the local-folder tests');
    const cacheDir = join(work, 'cache-download');
    const url = `${base}/ICT-FaceKit-master.zip`;
    const output = captureOutput();
    const first = await timed('download + import (loopback)', () => withEnv({ ...NO_MODEL_ENV, FACERECON_MODEL_URL: url },
      () => loadIctModel({ cacheDir, searchShared: false, progressOutput: output })));
    assert.equal(first.how, 'downloaded');
    assert.equal(first.source, join(cacheDir, 'ict-facekit', 'FaceXModel'));
    assert.equal(requestsFor('/ICT-FaceKit-master.zip'), 1);
    assert.equal(first.model.vertexCount, ICT_VERTICES);
    assert.equal(first.model.identityCount, 100);
    assert.equal(first.model.expressionNames.length, 53);
    assertSameModel(first.model, reference, false);

    // Progress: where the model goes, download bytes up to the archive size, then the import.
    assert.match(output.text, /downloading/i);
    assert.ok(output.text.includes(url), output.text);
    const megabytes = (zip.length / 1e6).toFixed(1);
    assert.ok(output.text.includes(`100% ${megabytes}/${megabytes} MB`), output.text);
    const downloadLines = output.text.split('\n').filter((l) => /^downloading ICT-FaceKit \d+%/.test(l));
    assert.ok(downloadLines.length >= 5, `progress lines while downloading:\n${output.text}`);
    assert.match(output.text, /importing ICT-FaceKit 100% 153\/153/);

    // What stays in the cache: the model folder (top README, not the nested one) and one .frm; nothing temporary.
    const cached = await filesIn(cacheDir);
    assert.equal(cached.length, 2, cached.join(', '));
    assert.ok(cached.includes('ict-facekit'), cached.join(', '));
    assert.equal(cached.filter((n) => /^ict-[0-9a-f]{16}\.frm$/.test(n)).length, 1, cached.join(', '));
    assert.equal(await readFile(join(cacheDir, 'ict-facekit', 'README.md'), 'utf8'), await readFile(join(SHARED_ICT, 'README.md'), 'utf8'));
    assert.equal(existsSync(join(cacheDir, 'ict-facekit', 'Blender')), false);
    // The .obj members stay compressed on disk (.obj.gz), like the files in ../shared.
    assert.deepEqual(await filesIn(join(cacheDir, 'ict-facekit', 'FaceXModel')), await filesIn(SHARED_FACEX));

    const second = await timed('load downloaded model from cache', () => withEnv({ ...NO_MODEL_ENV, FACERECON_MODEL_URL: url },
      () => loadIctModel({ cacheDir, searchShared: false, progressOutput: captureOutput() })));
    assert.equal(second.how, 'cache');
    assert.equal(requestsFor('/ICT-FaceKit-master.zip'), 1, 'the second load must not download again');
    assertSameModel(second.model, reference, true);
  });

  /** Loads with the download address at `path`, expects a rejection, and checks the cache folder stays clean. */
  async function expectDownloadFailure(path: string, check: (message: string) => void): Promise<void> {
    const cacheDir = await mkdtemp(join(work, 'cache-fail-'));
    const url = `${base}${path}`;
    await assert.rejects(
      withEnv({ ...NO_MODEL_ENV, FACERECON_MODEL_URL: url }, () => loadIctModel({ cacheDir, searchShared: false, progressOutput: captureOutput() })),
      (err: Error) => {
        assert.ok(err.message.includes(url), `the message names the URL: ${err.message}`);
        assert.match(err.message, /--model/, 'the message tells how to use a local copy');
        assert.match(err.message, /FACERECON_MODEL\b/);
        check(err.message);
        return true;
      },
    );
    assert.deepEqual(await filesIn(cacheDir), [], 'nothing half-written stays in the cache folder');
    assert.deepEqual((await filesIn(work)).filter((n) => n.includes('.tmp')), []);
  }

  test('HTTP 404: a clear error naming the URL and how to point at a local copy', async () => {
    await expectDownloadFailure('/no-such-archive.zip', (m) => assert.match(m, /404/));
  });

  test('a truncated archive: clear error, no half-written cache', async () => {
    await expectDownloadFailure('/truncated.zip', (m) => assert.match(m, /zip|archive/i));
  });

  test('a connection that breaks mid-download: clear error, no half-written cache', async () => {
    await expectDownloadFailure('/dropped.zip', (m) => assert.match(m, /interrupted|incomplete|terminated|closed/i));
  });

  test('corrupt archive members are detected (deflate damage, and a changed digit only the CRC-32 shows)', async () => {
    await expectDownloadFailure('/corrupt-deflated.zip', (m) => assert.match(m, /identity050\.obj/));
    await expectDownloadFailure('/corrupt-stored.zip', (m) => {
      assert.match(m, /generic_neutral_mesh\.obj/);
      assert.match(m, /CRC/);
    });
  });

  test('an archive without the model says so', async () => {
    await expectDownloadFailure('/not-the-model.zip', (m) => assert.match(m, /generic_neutral_mesh\.obj/));
  });

  test('a download that cannot be imported is removed again, so the next run does not reuse it', async () => {
    await expectDownloadFailure('/wrong-mesh.zip', (m) => {
      assert.match(m, /could not be imported/);
      assert.match(m, /generic_neutral_mesh has 3 vertices, expected 26719/);
    });
  });

  test('a download without Content-Length reports the bytes received and extracts the model files', async () => {
    const target = join(work, 'small-download', 'ict-facekit');
    await mkdir(dirname(target), { recursive: true });
    const output = captureOutput();
    await downloadIctFaceKit(target, `${base}/chunked-small.zip`, progressBar('downloading ICT-FaceKit', output, 'bytes'));
    const lines = output.text.trim().split('\n');
    assert.ok(lines.length >= 1 && lines.length <= 3, output.text);
    assert.match(lines[lines.length - 1], /^downloading ICT-FaceKit 100% \d+\.\d\/\d+\.\d MB$/);
    assert.deepEqual(await filesIn(join(target, 'FaceXModel')).then((f) => f.map((n) => n.replace(/\.gz$/, ''))),
      ['generic_neutral_mesh.obj', 'vertex_indices.json']);
    assert.deepEqual(await filesIn(dirname(target)), ['ict-facekit']);
  });
});

// ---------- the progress bar ----------

describe('progressBar', () => {
  test('with a known total: a line per 10% when not a terminal', () => {
    const out = captureOutput();
    const bar = progressBar('downloading', out, 'bytes');
    for (let b = 0; b <= 2_000_000; b += 50_000) bar(b, 2_000_000);
    assert.deepEqual(out.text.trim().split('\n').map((l) => l.split(' ')[1]),
      ['0%', '10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '100%']);
    assert.match(out.text, /downloading 100% 2\.0\/2\.0 MB\n$/);
  });

  test('with an unknown total on a terminal: redraws the byte count in place, one final newline', () => {
    const out = captureOutput(true);
    const bar = progressBar('downloading', out, 'bytes');
    const chunk = 65_536;
    for (let i = 1; i <= 1000; i++) bar(i * chunk, 0);
    bar(1000 * chunk, 1000 * chunk);
    assert.equal(out.text.split('\n').length - 1, 1, 'a single newline, at the end');
    assert.ok(out.text.endsWith('65.5/65.5 MB\n'), out.text.slice(-80));
    assert.ok(out.text.includes('\rdownloading 32.8 MB'), 'the received bytes are shown while the total is unknown');
    assert.ok(out.text.length < 1000 * 40, `redraws only when the text changes (${out.text.length} chars)`);
  });

  test('with an unknown total in a log: a line every 10 MB and a final one', () => {
    const out = captureOutput();
    const bar = progressBar('downloading', out, 'bytes');
    for (let b = 1_000_000; b <= 35_000_000; b += 1_000_000) bar(b, 0);
    bar(35_000_000, 35_000_000);
    assert.deepEqual(out.text.trim().split('\n'),
      ['downloading 1.0 MB', 'downloading 10.0 MB', 'downloading 20.0 MB', 'downloading 30.0 MB', 'downloading 100% 35.0/35.0 MB']);
  });
});
