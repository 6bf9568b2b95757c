/**
 * Real Chromium for the web app's tests: the system's (Debian's `chromium`, or $FACERECON_CHROMIUM)
 * driven by playwright-core, which brings no browser of its own, with a fresh profile; and the built
 * app served by Vite's static preview server on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { preview } from 'vite';

export const CHROMIUM = process.env.FACERECON_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless, no GPU (WebGL in software through SwiftShader, which Chromium allows only when asked;
 * WebGPU too, on SwiftShader's Vulkan, with --enable-unsafe-webgpu: without it navigator.gpu gives no
 * adapter here), nothing fetched from outside.
 */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Chromium with a fresh --user-data-dir, the camera allowed (refuseCamera takes
 * it back); a missing browser is a readable error.
 */
export async function launchChromium(extraFlags: string[] = [], executable = CHROMIUM): Promise<Browser> {
  if (!existsSync(executable)) {
    throw new Error(`the web app's tests need Chromium at ${executable}, which does not exist: install it ` +
      '(apt-get install chromium; .ci/run does) or set FACERECON_CHROMIUM to a Chromium binary');
  }
  const profile = await mkdtemp(join(tmpdir(), 'facerecon-chromium-'));
  // launchPersistentContext passes the profile as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable, headless: true, args: [...CHROMIUM_FLAGS, ...extraFlags],
    acceptDownloads: true, permissions: ['camera'], viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Serves a built static folder on 127.0.0.1 (any free port). */
export async function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = await preview({
    configFile: false, root: dir, logLevel: 'error',
    build: { outDir: dir }, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const address = server.httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${address.port}/`, close: () => server.close() };
}

/** Chooses a file (or several) through the web app's own file input and waits until the page is done with it (or refuses it). */
export async function uploadPhoto(page: Page, path: string | string[]): Promise<{ state: string; text: string }> {
  await page.setInputFiles('#photo', path);
  const status = await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 900_000 });
  return { state: (await status.getAttribute('data-state'))!, text: (await status.textContent())! };
}

/** The stages the page listed for its last photo, with their milliseconds. */
export function pageStages(page: Page): Promise<[string, number][]> {
  return page.$$eval('#stages li', (rows) => rows.map((row) => [row.dataset.stage!, Number(row.dataset.ms)] as [string, number]));
}

/** The live mode's camera: Chromium's fake device playing a .y4m clip (the permission is the context's, see launchChromium). */
export function fakeCameraFlags(clip: string): string[] {
  return ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`];
}

/** Refuses the camera to the page's origin, as a user who answers the prompt with Block. */
export async function refuseCamera(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Browser.setPermission', { permission: { name: 'camera' }, setting: 'denied', origin: new URL(page.url()).origin });
  await cdp.detach();
}
