import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptionError } from '../src/base/options.js';
import { expandFitOptions, FIT_DEFAULTS } from '../src/fit/options.js';
import { expandPhotometricOptions, PHOTOMETRIC_DEFAULTS } from '../src/photometric/options.js';
import { DETECT_DEFAULTS } from '../src/perception/options.js';
import { expandReconstructOptions, optionsRecord, RECONSTRUCT_DEFAULTS, type ReconstructOptions } from '../src/pipeline/options.js';
import { parseCli, UsageError } from '../src/cli/args.js';

test('defaults are the values the stages used before the options tree (photometric.gapSigma tightened since, the priors scaled by the face\'s confidence, asymmetryPrior and farSideSigmaGrowth added, fit.hessianRefresh 2 -> 3; see their comments)', () => {
  assert.deepEqual({ ...FIT_DEFAULTS }, {
    sigma: 0.025, yawSigmaGrowth: 3, eyeWeight: 4, lipWeight: 4, expressionPrior: 3, focalSigmaLog: 0.25, robustScale: 0.03,
    asymmetryPrior: 10, farSideSigmaGrowth: 6, rigidIterations: 3, iterations: 20, tolerance: 1e-5, hessianRefresh: 3, focal: undefined, initialRotation: undefined,
    confidence: undefined, priorConfidenceExponent: 2,
  });
  assert.deepEqual({ ...PHOTOMETRIC_DEFAULTS }, {
    rounds: 4, iterations: 3, tolerance: 1e-4, spacing: 0.4, hessianRefresh: 2, photometricWeight: 0.15, sigma: 0.02,
    landmarkSigma: 0.05, gapSigma: 0.0177, yawSigmaGrowth: 3, eyeWeight: 4, lipWeight: 4, robustScale: 0.03, expressionPrior: 3, focalSigmaLog: 0.25,
    asymmetryPrior: 10, farSideSigmaGrowth: 6, focal: undefined, skin: undefined, confidence: undefined, priorConfidenceExponent: 2,
  });
  // The reconstruction (and the command line) always looked for faces down to 32 px.
  assert.deepEqual({ ...DETECT_DEFAULTS }, { maxFaces: undefined, minFaceSize: 32, allRotations: false });
  assert.deepEqual(expandReconstructOptions(), RECONSTRUCT_DEFAULTS);
  assert.deepEqual(expandReconstructOptions({ photometric: true }), RECONSTRUCT_DEFAULTS);
});

test('expanding fills in defaults, keeps what is given and is idempotent', () => {
  const o = expandReconstructOptions({ detection: { maxFaces: 2 }, fit: { iterations: 5, focal: undefined }, photometric: { rounds: 1 } });
  assert.equal(o.detection.maxFaces, 2);
  assert.equal(o.detection.minFaceSize, 32);
  assert.equal(o.fit.iterations, 5);
  assert.equal(o.fit.sigma, FIT_DEFAULTS.sigma);
  assert.ok(o.photometric);
  assert.equal(o.photometric.rounds, 1);
  assert.deepEqual(expandReconstructOptions(o), o);
  assert.equal(expandReconstructOptions({ photometric: false }).photometric, false);
});

test("the refinement shares the landmark fit's focal length and priors unless given its own", () => {
  const inherited = expandReconstructOptions({ fit: { focal: 1000, eyeWeight: 2 } });
  assert.ok(inherited.photometric);
  assert.equal(inherited.photometric.focal, 1000);
  assert.equal(inherited.photometric.eyeWeight, 2);
  const own = expandReconstructOptions({ fit: { focal: 1000 }, photometric: { focal: 1200 } });
  assert.ok(own.photometric);
  assert.equal(own.photometric.focal, 1200, "a user's photometric focal length is kept");
  assert.equal(own.fit.focal, 1000);
});

/** One out-of-range value for every option of the tree, by path. */
const BAD_VALUES: [string, unknown][] = [
  ['detection.maxFaces', 0], ['detection.maxFaces', 1.5], ['detection.minFaceSize', 0], ['detection.allRotations', 'yes'],
  ['fit.sigma', 0], ['fit.eyeWeight', -1], ['fit.lipWeight', -1], ['fit.robustScale', 0], ['fit.expressionPrior', -0.1], ['fit.focal', -500],
  ['fit.focalSigmaLog', 0], ['fit.yawSigmaGrowth', NaN], ['fit.asymmetryPrior', -10], ['fit.farSideSigmaGrowth', -1], ['fit.rigidIterations', -1], ['fit.iterations', -3],
  ['fit.iterations', 2.5], ['fit.tolerance', -1e-5], ['fit.hessianRefresh', 0], ['fit.initialRotation', [1, 0, 0]],
  ['photometric.rounds', -1], ['photometric.iterations', Infinity], ['photometric.tolerance', '1e-4'],
  ['photometric.spacing', 0], ['photometric.hessianRefresh', 0.5], ['photometric.photometricWeight', -0.15],
  ['photometric.sigma', 0], ['photometric.landmarkSigma', -0.05], ['photometric.gapSigma', 0], ['photometric.lipWeight', -4], ['photometric.eyeWeight', -4],
  ['photometric.robustScale', 0], ['photometric.expressionPrior', -3], ['photometric.focal', 0],
  ['photometric.focalSigmaLog', -0.25], ['photometric.yawSigmaGrowth', -3],
  ['fit.confidence', 0], ['fit.confidence', 1.5], ['fit.priorConfidenceExponent', -1], ['photometric.confidence', 0], ['photometric.priorConfidenceExponent', NaN],
  ['photometric.asymmetryPrior', NaN], ['photometric.farSideSigmaGrowth', Infinity],
];

test('every validation error names its option', () => {
  for (const [path, value] of BAD_VALUES) {
    const [stage, key] = path.split('.');
    const options = { [stage]: { [key]: value } } as ReconstructOptions;
    assert.throws(() => expandReconstructOptions(options), (err: unknown) => {
      assert.ok(err instanceof OptionError, `${path}: ${String(err)}`);
      assert.equal(err.option, path);
      assert.ok(err.message.startsWith(`${path} must be `), err.message);
      return true;
    }, `${path} = ${String(value)} was accepted`);
  }
  assert.throws(() => expandReconstructOptions({ fit: { iterations: -3 } }), { message: 'fit.iterations must be an integer >= 0 (got -3)' });
  // Stages called on their own name their options the same way.
  assert.throws(() => expandFitOptions({ sigma: -1 }), { message: 'fit.sigma must be a number > 0 (got -1)' });
  assert.throws(() => expandPhotometricOptions({ rounds: 1.5 }), { message: 'photometric.rounds must be an integer >= 0 (got 1.5)' });
});

test('misspelt and misplaced options are refused by name', () => {
  assert.throws(() => expandReconstructOptions({ fit: { iteratons: 3 } } as ReconstructOptions), { name: 'OptionError', message: /^fit\.iteratons is not an option/ });
  assert.throws(() => expandReconstructOptions({ maxFaces: 1 } as ReconstructOptions), { message: /^maxFaces is not an option \(known: detection, fit, photometric, detail, mid\)/ });
  assert.throws(() => expandReconstructOptions({ photometric: { skin: () => 1 } } as ReconstructOptions), { message: /^photometric\.skin / });
  assert.throws(() => expandReconstructOptions({ photometric: 3 } as unknown as ReconstructOptions), { message: /^photometric must be/ });
});

test('optionsRecord: plain JSON that expands back to the same options', () => {
  const o = expandReconstructOptions({ fit: { initialRotation: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]) } });
  const record = JSON.parse(JSON.stringify(optionsRecord(o)));
  assert.deepEqual(record.fit.initialRotation, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal('focal' in record.fit, false);
  assert.deepEqual(expandReconstructOptions(record), { ...o, fit: { ...o.fit, initialRotation: [1, 0, 0, 0, 1, 0, 0, 0, 1] } });
  assert.equal(optionsRecord(expandReconstructOptions({ photometric: false })).photometric, false);
});

test('command-line flags map onto the options tree; bad values are named by flag', () => {
  const cli = parseCli(['a.jpg', '-n', '2', '--min-face-size', '20', '--landmarks-only']);
  assert.deepEqual(cli.reconstruct, { photometric: false, detection: { maxFaces: 2, minFaceSize: 20 } });
  const withMesh = parseCli(['a.jpg', '--detail-mesh']);
  assert.equal(withMesh.reconstruct.detail, true, '--detail-mesh brings the detail band');
  assert.ok(withMesh.outputs!.includes('detail-mesh.obj') && withMesh.outputs!.includes('detail-mesh.ply') && withMesh.outputs!.includes('head.glb'));
  assert.equal(parseCli(['a.jpg', '--detail']).outputs, undefined, 'the detail meshes only when asked for');
  assert.throws(() => parseCli(['a.jpg', '--detail-mesh', '--landmarks-only']), (err: unknown) => err instanceof UsageError && /--detail-mesh needs the detail band/.test(err.message));
  assert.throws(() => parseCli(['a.jpg', '--outputs', 'detail-mesh.ply']), (err: unknown) => err instanceof UsageError && /needs --detail/.test(err.message));
  assert.deepEqual(parseCli(['a.jpg', '--detail', '--outputs', 'detail-mesh.ply']).outputs, ['detail-mesh.ply']);
  assert.deepEqual(parseCli(['a.jpg']).reconstruct, {});
  assert.throws(() => parseCli(['a.jpg', '--max-faces', 'zero']), (err: unknown) =>
    err instanceof UsageError && err.message === '--max-faces must be an integer >= 1 (got "zero")');
  assert.throws(() => parseCli(['a.jpg', '--min-face-size=0']), (err: unknown) =>
    err instanceof UsageError && err.message === '--min-face-size must be a number > 0 (got "0")');
});
