/** The page: takes a photo, shows the worker's progress per stage, the head in the viewer and the files to download. */
import { HeadViewer, type OverlayParams } from './viewer.js';
import { STAGES, type FromWorker, type StageId, type ToWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const input = $<HTMLInputElement>('photo');
const drop = $<HTMLLabelElement>('drop');
const previews = $<HTMLSpanElement>('previews');
const stageList = $<HTMLOListElement>('stages');
const downloads = $<HTMLDivElement>('downloads');
const expressions = $<HTMLDivElement>('expressions');

type State = 'loading' | 'ready' | 'working' | 'done' | 'error';
/** The page's state is on #status (data-state) for anyone who waits for it, a test included. */
function setStatus(state: State, text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

let viewer: HeadViewer | undefined;
try {
  viewer = new HeadViewer($<HTMLCanvasElement>('viewer'));
} catch (err) {
  $('view').textContent = `This browser cannot show the 3D viewer (WebGL: ${(err as Error).message}); the files can still be downloaded.`;
}

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
const params = new URLSearchParams(location.search);
send({ type: 'init', base: new URL('./', document.baseURI).href, backends: params.get('backend')?.split(',') ?? ['webgpu', 'webgl', 'wasm'] });

// Stage rows: a running stage shows its time so far, a finished one its time.
const rows = new Map<StageId, HTMLLIElement>();
let running: { row: HTMLLIElement; t0: number; timer: number } | undefined;
function resetStages(ids: readonly StageId[]): void {
  stageList.replaceChildren();
  rows.clear();
  for (const stage of STAGES.filter((s) => ids.includes(s.id))) {
    const row = document.createElement('li');
    row.dataset.stage = stage.id;
    row.innerHTML = `<span>${stage.label}</span><span class="bar"></span><span class="time"></span>`;
    stageList.append(row);
    rows.set(stage.id, row);
  }
}
function stageEvent(message: Extract<FromWorker, { type: 'stage' }>): void {
  const row = rows.get(message.stage);
  if (!row) return;
  const time = row.querySelector('.time')!;
  if (running) clearInterval(running.timer);
  running = undefined;
  if (message.state === 'start') {
    row.className = 'running';
    const t0 = performance.now();
    const timer = window.setInterval(() => (time.textContent = `${((performance.now() - t0) / 1000).toFixed(1)} s`), 100);
    running = { row, t0, timer };
  } else {
    // A stage runs once per face: the row sums them.
    const ms = Number(row.dataset.ms ?? 0) + (message.ms ?? 0);
    row.dataset.ms = ms.toFixed(0);
    row.className = 'done';
    time.textContent = ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
  }
}
resetStages(['model', 'networks']);

/** One photo is reconstructed (every face in it); several are taken for one person and give one head. */
function choose(files: File[]): void {
  const busy = status.dataset.state === 'working' || status.dataset.state === 'loading' || status.dataset.usable === 'no';
  if (files.length === 0 || busy) return;
  delete status.dataset.usable;
  stopLive();
  liveButton.disabled = true;
  detailBox.disabled = true;
  detailBox.checked = false;
  overlayBox.disabled = files.length > 1;
  shown = {};
  for (const img of previews.querySelectorAll('img')) URL.revokeObjectURL(img.src);
  previews.replaceChildren(...files.map((file) => Object.assign(document.createElement('img'), { src: URL.createObjectURL(file), alt: file.name, title: file.name })));
  downloads.replaceChildren();
  if (files.length === 1) {
    setStatus('working', `Reconstructing ${files[0]!.name}…`);
    resetStages(['decode', 'detection', 'fit', 'skin', 'photometric', 'outputs']);
    send({ type: 'reconstruct', file: files[0]!, name: files[0]!.name });
  } else {
    setStatus('working', `Reconstructing one person from ${files.length} photos…`);
    resetStages(['embedder', 'decode', 'detection', 'fit', 'skin', 'photometric', 'outputs']);
    send({ type: 'person', photos: uniqueNames(files).map((name, i) => ({ file: files[i]!, name })) });
  }
  input.value = ''; // choosing the same file again reconstructs it again
}

/** The files' names, made unique (a person's views are told apart by name). */
function uniqueNames(files: File[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    return n === 1 ? f.name : `${f.name} (${n})`;
  });
}
input.addEventListener('change', () => choose([...(input.files ?? [])]));
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  choose([...(e.dataTransfer?.files ?? [])]);
});

worker.onmessage = async (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (message.type === 'stage') stageEvent(message);
  else if (message.type === 'ready') {
    $('backend').textContent = `TensorFlow.js backend: ${message.backend}`;
    setStatus('ready', 'Ready: choose a photo.');
  } else if (message.type === 'error') {
    if (running) clearInterval(running.timer);
    running?.row.classList.replace('running', 'failed');
    running = undefined;
    input.value = '';
    // A photo that cannot be used leaves the page ready for the next one (data-usable).
    setStatus('error', message.message);
    status.dataset.usable = message.kind === 'input' ? 'yes' : 'no';
  } else if (message.type === 'pose') {
    livePose(message);
  } else {
    await showResult(message);
  }
};

/** The last photo's files without and with the detail band (the latter once asked for). */
let shown: { plain?: Extract<FromWorker, { type: 'result' }>; detailed?: Extract<FromWorker, { type: 'result' }> } = {};

async function showResult(result: Extract<FromWorker, { type: 'result' }>): Promise<void> {
  const total = [...rows.values()].reduce((s, r) => s + Number(r.dataset.ms ?? 0), 0);
  const seconds = `${(total / 1000).toFixed(1)} s`;
  if (result.detail) {
    shown.detailed = result;
    setStatus('done', `Detail band added in ${seconds}.`);
  } else if (result.person) {
    shown = { plain: result };
    const { used, rejected } = result.person;
    const left = rejected.map((r) => ` ${r.name} was left out: ${r.reason}.`).join('');
    setStatus('done', `One head from ${used.length} of ${used.length + rejected.length} photos in ${seconds}.${left}`);
    for (const img of previews.querySelectorAll('img')) img.classList.toggle('left-out', rejected.some((r) => r.name === img.title));
  } else {
    shown = { plain: result };
    setStatus('done', `${result.faces} face${result.faces > 1 ? 's' : ''} reconstructed in ${seconds}.`);
  }
  await showFiles(result, result.detail);
  // A person's params.json has a block per photo: the overlay is for one photo's head.
  overlayParams = result.person ? undefined : JSON.parse(result.files['face0/params.json'] as string) as OverlayParams;
  liveButton.disabled = false;
  detailBox.disabled = Boolean(result.person);
}

/** A result's files as downloads and its head in the viewer; `again`: the same head (with or without detail), the view and sliders kept. */
async function showFiles(result: Extract<FromWorker, { type: 'result' }>, again: boolean): Promise<void> {
  downloads.replaceChildren();
  for (const [path, data] of Object.entries(result.files)) {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([data as BlobPart]));
    link.download = path.replace('/', '-');
    link.textContent = path;
    link.dataset.file = path;
    downloads.append(link);
  }
  const glb = result.files[`${result.head}head.glb`];
  if (!again) overlayBox.checked = false;
  if (!viewer || !(glb instanceof Uint8Array)) return;
  const current = [...expressions.querySelectorAll<HTMLInputElement>('input[data-expression]')].map((s) => Number(s.value));
  if (!again) viewer.setOverlay(undefined);
  const fitted = await viewer.show(glb, again);
  if (again) viewer.setExpressions(current);
  else showExpressions(fitted);
  viewer.setTexture($<HTMLInputElement>('texture').checked);
  viewer.setWireframe($<HTMLInputElement>('wireframe').checked);
}

// Detail on/off: the band is computed once per photo, when first asked for.
const detailBox = $<HTMLInputElement>('detail');
detailBox.onchange = () => {
  const { plain, detailed } = shown;
  if (!plain) return;
  if (!detailBox.checked) void showFiles(plain, true);
  else if (detailed) void showFiles(detailed, true);
  else {
    detailBox.disabled = true;
    liveButton.disabled = true;
    stopLive();
    setStatus('working', 'Adding the detail band…');
    resetStages(['detail', 'outputs']);
    send({ type: 'detail' });
  }
};

// Live mode: camera frames go to the worker one at a time (the next when the last one's pose is
// back), so the rate shown is what the device sustains.
const liveButton = $<HTMLButtonElement>('live-toggle');
const video = $<HTMLVideoElement>('camera');
const fps = $<HTMLSpanElement>('fps');
let stream: MediaStream | undefined;
/** When the frame in the worker was taken from the camera (the log's time: the clip's timeline, not the solve's). */
let frameTakenAt = 0;
const frameCanvas = document.createElement('canvas');
const frameContext = frameCanvas.getContext('2d', { willReadFrequently: true })!;
let poseTimes: number[] = [];
/** The last poses of live mode, for scripts and tests: when the frame was taken (ms), yaw, pitch, roll (degrees), and the frame rate. */
const liveLog: { t: number; yaw: number; pitch: number; roll: number; fps: number }[] = [];
(window as unknown as { facereconLive: typeof liveLog }).facereconLive = liveLog;

async function startLive(): Promise<void> {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (err) {
    const name = (err as DOMException).name;
    setStatus('error', name === 'NotAllowedError' ? 'Live mode needs the camera, and permission to use it was refused.'
      : name === 'NotFoundError' ? 'Live mode needs a camera, and none was found.' : `The camera could not be started: ${(err as Error).message}`);
    status.dataset.usable = 'yes';
    return;
  }
  video.srcObject = stream;
  video.classList.add('on');
  await video.play();
  liveButton.textContent = 'Stop live mode';
  viewer?.setLive(true);
  if (overlayBox.checked) {
    overlayBox.checked = false;
    viewer?.setOverlay(undefined);
  }
  poseTimes = [];
  send({ type: 'live-start' });
  setStatus('done', 'Live: the head follows the camera.');
  nextFrame();
}

function stopLive(): void {
  stream?.getTracks().forEach((track) => track.stop());
  stream = undefined;
  video.classList.remove('on');
  liveButton.textContent = 'Live: follow the camera';
  fps.textContent = '';
  viewer?.setLive(false);
  viewer?.setHeadPose(undefined);
}

function nextFrame(): void {
  if (!stream) return;
  if (video.readyState < 2) {
    requestAnimationFrame(nextFrame);
    return;
  }
  const { videoWidth: width, videoHeight: height } = video;
  if (frameCanvas.width !== width || frameCanvas.height !== height) Object.assign(frameCanvas, { width, height });
  frameContext.drawImage(video, 0, 0, width, height);
  const rgba = frameContext.getImageData(0, 0, width, height).data;
  frameTakenAt = performance.now();
  worker.postMessage({ type: 'frame', width, height, rgba } satisfies ToWorker, [rgba.buffer]);
}

function livePose(pose: Extract<FromWorker, { type: 'pose' }>): void {
  if (!stream) return;
  const takenAt = frameTakenAt;
  // The worker starts on the next frame while this one is drawn.
  nextFrame();
  const now = performance.now();
  poseTimes.push(now);
  poseTimes = poseTimes.filter((t) => t > now - 2000);
  const rate = poseTimes.length > 1 ? (1000 * (poseTimes.length - 1)) / (now - poseTimes[0]!) : 0;
  fps.dataset.fps = rate.toFixed(1);
  if (pose.found && viewer) {
    // Weights under 0.01 are left out: three.js skips a morph target whose weight is zero.
    viewer.setExpressions(pose.expression!.map((w) => (w < 0.01 ? 0 : w)), false);
    viewer.setHeadPose({ yaw: pose.yaw!, pitch: pose.pitch!, roll: pose.roll! });
    liveLog.push({ t: takenAt, yaw: pose.yaw!, pitch: pose.pitch!, roll: pose.roll!, fps: rate });
    if (liveLog.length > 600) liveLog.shift();
  }
  fps.textContent = `${rate.toFixed(1)} frames/s${pose.found ? `, yaw ${pose.yaw!.toFixed(0)}°` : ', no face'} ` +
    `(${pose.ms.toFixed(0)} ms a frame in the worker: landmarks ${pose.landmarksMs.toFixed(0)}${pose.detected ? ' with detection' : ''}, solve ${pose.solveMs.toFixed(0)})`;
}

liveButton.onclick = () => (stream ? stopLive() : void startLive());

function showExpressions({ names, weights }: { names: string[]; weights: number[] }): void {
  expressions.replaceChildren();
  const sliders = names.map((name, i) => {
    const label = document.createElement('label');
    const slider = document.createElement('input');
    Object.assign(slider, { type: 'range', min: '0', max: '1', step: '0.01', value: String(weights[i]) });
    slider.dataset.expression = name;
    slider.addEventListener('input', () => viewer!.setExpression(i, Number(slider.value)));
    label.append(name, slider);
    expressions.append(label);
    return slider;
  });
  const setAll = (values: number[]) => sliders.forEach((s, i) => { s.value = String(values[i]); viewer!.setExpression(i, values[i]!); });
  $('reset').onclick = () => setAll(weights);
  $('neutral').onclick = () => setAll(weights.map(() => 0));
}

$<HTMLInputElement>('texture').onchange = (e) => viewer?.setTexture((e.target as HTMLInputElement).checked);
$<HTMLInputElement>('wireframe').onchange = (e) => viewer?.setWireframe((e.target as HTMLInputElement).checked);
const overlayBox = $<HTMLInputElement>('overlay');
let overlayParams: OverlayParams | undefined;
overlayBox.onchange = () => {
  if (overlayBox.checked && stream) stopLive();
  viewer?.setOverlay(overlayBox.checked && overlayParams ? previews.querySelector('img')! : undefined, overlayParams);
};
$<HTMLInputElement>('light').oninput = (e) => viewer?.setLightAngle(Number((e.target as HTMLInputElement).value));

fetch('licences.json').then((r) => r.json()).then((licences: { what: string; usedFor: string; licence: string; text: string }[]) => {
  for (const l of licences) {
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = `${l.what}: ${l.licence} (${l.usedFor})`;
    const text = document.createElement('pre');
    text.textContent = l.text;
    details.append(summary, text);
    $('licences').append(details);
  }
}).catch(() => undefined);
