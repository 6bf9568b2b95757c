/** The 3D viewer: the head.glb the worker built, in three.js, with orbit and zoom, light, texture, wireframe and expressions. */
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';

export const BACKGROUND = 0x1d2128;

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

  /** Shows a GLB (replacing the head shown before); resolves to its expressions (ARKit names) and fitted weights. */
  async show(glb: Uint8Array): Promise<{ names: string[]; weights: number[] }> {
    const buffer = glb.buffer.slice(glb.byteOffset, glb.byteOffset + glb.byteLength) as ArrayBuffer;
    const gltf = await new GLTFLoader().parseAsync(buffer, '');
    if (this.head) this.scene.remove(this.head);
    this.head = gltf.scene;
    this.scene.add(this.head);
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
    this.frame();
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
    this.renderer.render(this.scene, this.camera);
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
