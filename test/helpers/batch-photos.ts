import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { sampleImage } from './shared-data.js';

export const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/**
 * Small portraits for batch tests, cheap to reconstruct: the sample portraits downscaled to about
 * 200-260 px wide (each file a little different in size, so no two are the same photo).
 * `relativePaths` ending in a name with "corrupt" get bytes that are no image.
 */
export async function makePhotos(dir: string, relativePaths: string[]): Promise<string[]> {
  const sources = [sampleImage('grace_hopper.jpg'), sampleImage('astronaut.png')];
  const paths: string[] = [];
  for (const [i, rel] of relativePaths.entries()) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    if (rel.includes('corrupt')) await writeFile(path, 'not a photo at all\n');
    else await sharp(sources[i % sources.length]).resize({ width: 200 + (i % 30) * 2 }).jpeg({ quality: 85 }).toFile(path);
    paths.push(path);
  }
  return paths;
}

/** The command line as a child process, stdout and stderr collected. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { output: { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => { output.stdout += d; });
  child.stderr!.on('data', (d) => { output.stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return Object.assign(child, { output, exited });
}

/** Resolves once `check` holds (polled), or rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
