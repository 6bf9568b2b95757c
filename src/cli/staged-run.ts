import { createStaging, type OutputStaging } from '../io/output-dir.js';
import { createReconstructor, type NodeReconstructor } from '../node.js';
import type { OutputFiles } from '../pipeline/outputs.js';
import type { CliOptions } from './args.js';

/**
 * A command that writes one output folder: claims --out (before the model loads), loads the
 * reconstructor, lets `work` compute the folder's files, writes them and moves the folder into place;
 * then `finish` reports. Whatever fails, the reconstructor is freed and no half folder stays.
 */
export async function runIntoOutputFolder(
  options: CliOptions, log: (line: string) => void, work: (recon: NodeReconstructor) => Promise<OutputFiles>, finish: (seconds: number) => void,
): Promise<number> {
  const stage: OutputStaging = await createStaging(options.out);
  try {
    const recon = await createReconstructor({ model: options.model, progress: !options.json });
    try {
      log(`model: ${recon.model.name} (${recon.loaded.how}, ${recon.loaded.modelMs.toFixed(0)} ms)`);
      const t0 = performance.now();
      const files = await work(recon);
      for (const [name, data] of Object.entries(files)) await stage.write(name, data);
      await stage.commit();
      finish((performance.now() - t0) / 1000);
      return 0;
    } finally {
      recon.dispose();
    }
  } finally {
    await stage.abort(); // no-op after the commit
  }
}
