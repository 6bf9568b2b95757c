import { Worker, parentPort, type Transferable } from 'node:worker_threads';

/** What crosses the thread boundary of an error a task threw: its message, name and code (an InputError's). */
export interface WorkerError {
  message: string;
  name?: string;
  code?: string;
}

/** A task's reply from a worker: its result, or the error it threw. */
type Reply<Result> = { id: number; result: Result } | { id: number; error: WorkerError };

interface Slot {
  worker: Worker;
  served: number;
  busy?: { id: number; resolve: (r: unknown) => void; reject: (e: Error) => void };
}

/**
 * A fixed number of worker threads, each running one task at a time; tasks queue in order and go
 * to the next idle worker. A worker that dies fails its task and is replaced (unless it never
 * finished one: then the queued tasks fail with its error).
 */
export class WorkerPool<Task, Result> {
  private readonly slots: Slot[] = [];
  private readonly queue: { task: Task; transfer: Transferable[]; resolve: (r: Result) => void; reject: (e: Error) => void }[] = [];
  private nextId = 0;
  private closed = false;

  constructor(size: number, private readonly spawn: () => Worker, private readonly errorFrom: (e: WorkerError) => Error) {
    for (let i = 0; i < size; i++) this.slots.push(this.start());
  }

  get size(): number {
    return this.slots.length;
  }

  run(task: Task, transfer: Transferable[] = []): Promise<Result> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    if (this.slots.length === 0) return Promise.reject(new Error('no worker thread could start'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, transfer, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new Error('the worker pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private start(): Slot {
    const slot: Slot = { worker: this.spawn(), served: 0 };
    slot.worker.on('message', (reply: Reply<Result>) => {
      const busy = slot.busy;
      if (!busy || busy.id !== reply.id) return;
      slot.busy = undefined;
      slot.served++;
      if ('error' in reply) busy.reject(this.errorFrom(reply.error));
      else busy.resolve(reply.result);
      this.dispatch();
    });
    const fail = (err: Error) => {
      if (this.closed) return;
      slot.busy?.reject(err);
      slot.busy = undefined;
      slot.worker.removeAllListeners();
      // A worker that dies before finishing any task would die again: fail what waits instead of looping.
      if (slot.served === 0) {
        for (const q of this.queue.splice(0)) q.reject(err);
        this.slots.splice(this.slots.indexOf(slot), 1);
        return;
      }
      this.slots[this.slots.indexOf(slot)] = this.start();
      this.dispatch();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`a worker thread stopped (exit code ${code})`)));
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const { task, transfer, resolve, reject } = this.queue.shift()!;
      const id = this.nextId++;
      slot.busy = { id, resolve: resolve as (r: unknown) => void, reject };
      slot.worker.postMessage({ id, task }, transfer);
    }
  }
}

/**
 * The worker side: answers each task with `handle`'s result (its `transfer` list moved, not
 * copied) or with the error it threw.
 */
export function serveTasks<Task, Result>(handle: (task: Task) => Promise<{ result: Result; transfer: Transferable[] }>): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks runs in a worker thread');
  port.on('message', async ({ id, task }: { id: number; task: Task }) => {
    try {
      const { result, transfer } = await handle(task);
      port.postMessage({ id, result }, transfer);
    } catch (err) {
      const e = err as Error & { code?: string };
      port.postMessage({ id, error: { message: e?.message ?? String(err), name: e?.name, code: typeof e?.code === 'string' ? e.code : undefined } });
    }
  });
}

/**
 * The buffers of `views` that can be moved to another thread rather than copied: those a view owns
 * whole (small Node buffers share a pool, which must not be detached), each once.
 */
export function movableBuffers(views: Iterable<unknown>): Transferable[] {
  const buffers = new Set<Transferable>();
  for (const v of views) {
    if (v instanceof Uint8Array && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) buffers.add(v.buffer as ArrayBuffer);
  }
  return [...buffers];
}

/**
 * A worker thread running the module at `url`. Run from the TypeScript sources (tests, development),
 * the thread first registers tsx, which a worker does not inherit from its parent's --import.
 */
export function moduleWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
