/** The 3D viewer: the head.glb the worker built, in three.js, with orbit and zoom, light, texture, wireframe and expressions. */
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';

export const BACKGROUND = 0x1d2128;

/** What the photo overlay needs of params.json. */
export interface OverlayParams {
  pose: { rotation: number[][]; translationMm: number[] };
  camera: { focalPx: number; cx: number; cy: number; width: number; height: number };
}

export class HeadViewer {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(28, 1, 0.01, 10);
  private readonly controls: OrbitControls;
  private readonly light = new THREE.DirectionalLight(0xffffff, 2.2);
  private head: THREE.Object3D | undefined;
  private meshes: THREE.Mesh[] = [];
  private maps = new Map<THREE.MeshStandardMaterial, THREE.Texture | null>();
  private fitted: number[] = [];
  /** The photo overlay: the head placed by the fitted pose, seen through the photo's camera, over the photo. */
  private overlay: { camera: THREE.Camera; background: THREE.Texture; width: number; height: number; placed: THREE.Group } | undefined;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    this.scene.background = new THREE.Color(BACKGROUND);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x404048, 1.4));
    this.scene.add(this.light);
    this.setLightAngle(30);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = false;
    this.controls.addEventListener('change', () => this.render());
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  /**
   * Shows a GLB (replacing the head shown before, in its place: orbit or over the photo); resolves to
   * its expressions (ARKit names) and fitted weights. `keepView`: the same head again (e.g. with
   * detail), so the camera stays where it is.
   */
  async show(glb: Uint8Array, keepView = false): Promise<{ names: string[]; weights: number[] }> {
    const buffer = glb.buffer.slice(glb.byteOffset, glb.byteOffset + glb.byteLength) as ArrayBuffer;
    const gltf = await new GLTFLoader().parseAsync(buffer, '');
    const rotation = this.head?.rotation.clone();
    this.head?.removeFromParent();
    this.head = gltf.scene;
    if (keepView && rotation) this.head.rotation.copy(rotation);
    (this.overlay?.placed ?? this.scene).add(this.head);
    this.meshes = [];
    this.maps.clear();
    this.head.traverse((o) => {
      if (!(o instanceof THREE.Mesh)) return;
      this.meshes.push(o);
      for (const m of [o.material].flat() as THREE.MeshStandardMaterial[]) this.maps.set(m, m.map);
    });
    const dictionary = this.meshes.find((m) => m.morphTargetDictionary)?.morphTargetDictionary ?? {};
    const names = Object.entries(dictionary).sort((a, b) => a[1] - b[1]).map(([name]) => name);
    const first = this.meshes.find((m) => m.morphTargetInfluences);
    this.fitted = names.map((_, i) => first?.morphTargetInfluences?.[i] ?? 0);
    if (keepView) this.render();
    else this.frame();
    return { names, weights: [...this.fitted] };
  }

  /** Sets one expression's weight on every part of the head (face, eyes, teeth share the targets). */
  setExpression(index: number, weight: number): void {
    for (const mesh of this.meshes) if (mesh.morphTargetInfluences && index < mesh.morphTargetInfluences.length) mesh.morphTargetInfluences[index] = weight;
    this.render();
  }

  /** Every expression weight at once, in the GLB's target order (the model's); `render` false leaves drawing to a later call. */
  setExpressions(weights: ArrayLike<number>, render = true): void {
    for (const mesh of this.meshes) {
      const influences = mesh.morphTargetInfluences;
      if (influences) for (let k = 0; k < Math.min(influences.length, weights.length); k++) influences[k] = weights[k]!;
    }
    if (render) this.render();
  }

  /**
   * Turns the head (degrees, poseAngles' convention: R = Ry(yaw) Rx(pitch) Rz(roll) in the head
   * frame, which is the GLB's); undefined puts it back facing the camera.
   */
  setHeadPose(pose?: { yaw: number; pitch: number; roll: number }): void {
    if (!this.head) return;
    const r = Math.PI / 180;
    this.head.rotation.set((pose?.pitch ?? 0) * r, (pose?.yaw ?? 0) * r, (pose?.roll ?? 0) * r, 'YXZ');
    this.render();
  }

  setTexture(on: boolean): void {
    for (const [material, map] of this.maps) {
      material.map = on ? map : null;
      material.needsUpdate = true;
    }
    this.render();
  }

  setWireframe(on: boolean): void {
    for (const material of this.maps.keys()) material.wireframe = on;
    this.render();
  }

  /** The key light's direction: degrees around the head, 0 = from the front. */
  setLightAngle(degrees: number): void {
    const a = (degrees * Math.PI) / 180;
    this.light.position.set(Math.sin(a), 0.5, Math.cos(a));
    this.render();
  }

  /**
   * Shows the head over its photo as the fit placed it (`params`: params.json's pose and camera, in
   * the photo's pixels), or, with no photo, the orbit view again.
   */
  setOverlay(photo: TexImageSource | undefined, params?: OverlayParams): void {
    if (this.overlay) {
      this.overlay.background.dispose();
      this.scene.remove(this.overlay.placed);
      if (this.head) this.scene.add(this.head);
      this.overlay = undefined;
    }
    this.scene.background = new THREE.Color(BACKGROUND);
    this.controls.enabled = !photo;
    if (photo && params && this.head) {
      const { focalPx: f, cx, cy, width: W, height: H } = params.camera;
      const near = 0.05, far = 20;
      const camera = new THREE.Camera();
      // Pinhole intrinsics in three's view frame (x right, y up, looking down -z) from the fit's camera frame (x right, y down, z forward).
      camera.projectionMatrix.set(
        (2 * f) / W, 0, 1 - (2 * cx) / W, 0,
        0, (2 * f) / H, (2 * cy) / H - 1, 0,
        0, 0, -(far + near) / (far - near), (-2 * far * near) / (far - near),
        0, 0, -1, 0,
      );
      camera.projectionMatrixInverse.copy(camera.projectionMatrix).invert();
      const [r0, r1, r2] = params.pose.rotation;
      const [tx, ty, tz] = params.pose.translationMm.map((v) => v / 1000) as [number, number, number];
      const placed = new THREE.Group();
      placed.matrixAutoUpdate = false;
      // flip(1, -1, -1) x [R | t]: camera frame to three's view frame; the GLB's root already scales millimetres to metres.
      placed.matrix.set(
        r0![0]!, r0![1]!, r0![2]!, tx,
        -r1![0]!, -r1![1]!, -r1![2]!, -ty,
        -r2![0]!, -r2![1]!, -r2![2]!, -tz,
        0, 0, 0, 1,
      );
      this.head.rotation.set(0, 0, 0);
      placed.add(this.head);
      this.scene.add(placed);
      const background = new THREE.Texture(photo);
      background.colorSpace = THREE.SRGBColorSpace;
      background.needsUpdate = true;
      this.scene.background = background;
      this.overlay = { camera, background, width: W, height: H, placed };
    }
    this.render();
  }

  /**
   * Live mode's cheaper drawing (true) or the full one: half the pixels. Without a GPU, drawing the
   * head (48,000 triangles, 53 morph targets) is what limits the frame rate.
   */
  setLive(on: boolean): void {
    this.renderer.setPixelRatio(on ? 0.5 : Math.min(2, window.devicePixelRatio));
    this.resize();
  }

  /** Puts the camera in front of the head, the head filling most of the view. */
  frame(): void {
    if (!this.head) return;
    const box = new THREE.Box3().setFromObject(this.head);
    const centre = box.getCenter(new THREE.Vector3());
    const size = box.getSize(new THREE.Vector3()).length();
    const distance = (0.45 * size) / Math.tan((this.camera.fov * Math.PI) / 360);
    this.camera.position.set(centre.x, centre.y, centre.z + distance);
    this.camera.near = distance / 20;
    this.camera.far = distance * 20;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(centre);
    this.controls.update();
    this.render();
  }

  render(): void {
    const o = this.overlay;
    if (!o) {
      this.renderer.render(this.scene, this.camera);
      return;
    }
    // The photo's frame, as large as fits in the canvas, centred; the rest of the canvas plain.
    const { clientWidth: cw, clientHeight: ch } = this.canvas;
    const s = Math.min(cw / o.width, ch / o.height), w = o.width * s, h = o.height * s;
    this.renderer.setScissorTest(false);
    this.renderer.setClearColor(BACKGROUND);
    this.renderer.clear();
    this.renderer.setViewport((cw - w) / 2, (ch - h) / 2, w, h);
    this.renderer.setScissor((cw - w) / 2, (ch - h) / 2, w, h);
    this.renderer.setScissorTest(true);
    this.renderer.render(this.scene, o.camera);
    this.renderer.setScissorTest(false);
    this.renderer.setViewport(0, 0, cw, ch);
  }

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.canvas;
    if (w === 0 || h === 0) return;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.render();
  }
}
