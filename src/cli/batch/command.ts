import { usageFailure } from '../args.js';
import { BATCH_USAGE, parseBatchArgs, type BatchOptions } from './args.js';
import { runLocalBatch } from './run-batch.js';
import { runQueueBatch } from '../queue/enqueue.js';

/** `facerecon batch ...`: exit code 0 when every photo is done, 1 when some failed, 2 for a usage error. */
export async function batchCommand(argv: string[]): Promise<number> {
  let options: BatchOptions;
  try {
    options = parseBatchArgs(argv);
  } catch (err) {
    return usageFailure(err, BATCH_USAGE);
  }
  if (options.help) { process.stdout.write(BATCH_USAGE); return 0; }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  return options.queue ? runQueueBatch({ ...options, queue: options.queue }, log) : runLocalBatch(options, log);
}
