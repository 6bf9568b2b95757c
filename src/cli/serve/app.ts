import { createReadStream } from 'node:fs';
import { extname, join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { InputError, isInputError, type InputErrorCode } from '../../io/errors.js';
import { decodeImage } from '../../io/read-image.js';
import { reconstructFlags, UsageError } from '../args.js';
import type { PhotoJobOptions } from '../photo-runner.js';
import { QueueRefusal, type JobQueue, type JobRecord } from './job-queue.js';

export interface ServeLimits {
  maxBytes: number;
  maxPixels: number;
}

/** The HTTP status each kind of bad photo gets. */
const INPUT_STATUS: Partial<Record<InputErrorCode, number>> = {
  'not-image': 415,
  'unsupported-format': 415,
  'too-large': 413,
  'too-small': 422,
  'no-face': 422,
  'invalid-argument': 400,
};

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png', '.json': 'application/json', '.glb': 'model/gltf-binary', '.obj': 'text/plain; charset=utf-8',
  '.mtl': 'text/plain; charset=utf-8', '.ply': 'application/octet-stream',
};

/** Longest a request may wait for a job (?wait=seconds). */
const MAX_WAIT_SECONDS = 600;

/** Every error answer has this body: `{ "error": { "code": "no-face", "message": "..." } }`, plus the job's record for a job's failure. */
function sendError(reply: FastifyReply, status: number, code: string, message: string, record?: JobRecord): FastifyReply {
  return reply.code(status).send({ ...record, error: { code, message } });
}

/** The status a failed job's error answers with. */
function failureStatus(record: JobRecord): number {
  return record.error?.code === 'internal' ? 500 : INPUT_STATUS[record.error!.code as InputErrorCode] ?? 422;
}

/** A finished job's record as its answer: 200 when done, its error's status when failed. */
function sendRecord(reply: FastifyReply, record: JobRecord, pending: number): FastifyReply {
  if (record.status === 'failed') return sendError(reply, failureStatus(record), record.error!.code, record.error!.message, record);
  return reply.code(record.status === 'done' ? 200 : pending).send(record);
}

/** The query's reconstruction options, named and checked as the command line's flags (`max-faces=2`, `landmarks-only=1`, `outputs=a,b`). */
function jobOptions(query: Record<string, string | undefined>): PhotoJobOptions {
  const flag = query['landmarks-only'];
  try {
    const { reconstruct, outputs } = reconstructFlags({
      'landmarks-only': flag !== undefined && flag !== 'false' && flag !== '0',
      'max-faces': query['max-faces'], 'min-face-size': query['min-face-size'], outputs: query.outputs,
    });
    return { reconstruct, outputs };
  } catch (err) {
    throw err instanceof UsageError ? new UsageError(err.message.replace(/^--/, '')) : err;
  }
}

function waitMs(query: { wait?: string }): number {
  if (query.wait === undefined) return 0;
  const seconds = Number(query.wait);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`wait must be a number of seconds >= 0 (got "${query.wait}")`);
  return Math.min(seconds, MAX_WAIT_SECONDS) * 1000;
}

/**
 * The service's routes (see the README's "HTTP service"): POST /jobs takes a photo's bytes,
 * GET /jobs/:id its state, GET /jobs/:id/files/* its result files, GET /health the service's.
 */
export function serveApp(queue: JobQueue, limits: ServeLimits): FastifyInstance {
  const app = Fastify({ bodyLimit: limits.maxBytes, logger: false });
  // Any body is taken as bytes: the photo is checked by decoding it, not by what the client calls it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _request, reply) => {
    if (err instanceof UsageError) return sendError(reply, 400, 'invalid-argument', err.message);
    if (isInputError(err)) return sendError(reply, INPUT_STATUS[err.code] ?? 400, err.code, err.message);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, 'too-large', `upload: too large (the limit is ${limits.maxBytes} bytes)`);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return sendError(reply, err.statusCode, 'bad-request', err.message);
    return sendError(reply, 500, 'internal', err.message);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not-found', `no such endpoint: ${request.method} ${request.url}`));

  app.get('/health', async (_request, reply) => {
    const { running, queued, closing } = queue.stats;
    return reply.code(closing ? 503 : 200).send({
      status: closing ? 'shutting-down' : 'ok', running, queued, limits: { ...queue.limits, ...limits },
    });
  });

  app.post<{ Querystring: Record<string, string | undefined> }>('/jobs', async (request, reply) => {
    const query = request.query;
    const options = jobOptions(query);
    const wait = waitMs(query);
    const body = request.body;
    if (!(body instanceof Buffer) || body.length === 0) {
      throw new InputError('not-image', 'upload: not an image (the request has no body; send the photo\'s bytes as the body)');
    }
    if (/^multipart\//i.test(request.headers['content-type'] ?? '')) {
      throw new InputError('not-image', 'upload: send the photo\'s bytes as the request body, not as a multipart form');
    }
    try {
      queue.reserve();
    } catch (err) {
      if (!(err instanceof QueueRefusal)) throw err;
      if (err.reason === 'busy') reply.header('retry-after', String(queue.retryAfterSeconds));
      return sendError(reply, err.reason === 'busy' ? 429 : 503, err.reason, err.message);
    }
    let record: JobRecord;
    try {
      const decoded = await decodeImage(new Uint8Array(body.buffer, body.byteOffset, body.length), 'upload', { maxInputPixels: limits.maxPixels });
      record = queue.submit(decoded, options);
    } catch (err) {
      queue.release();
      throw err;
    }
    reply.header('location', `/jobs/${record.id}`);
    return sendRecord(reply, (await queue.waitFor(record.id, wait)) ?? record, 202);
  });

  app.get<{ Params: { id: string }; Querystring: { wait?: string } }>('/jobs/:id', async (request, reply) => {
    const record = await queue.waitFor(request.params.id, waitMs(request.query));
    if (!record) return sendError(reply, 404, 'not-found', `no job ${request.params.id} (unknown, or deleted to keep the last ${queue.limits.keep})`);
    return sendRecord(reply, record, 200);
  });

  app.get<{ Params: { id: string; '*': string } }>('/jobs/:id/files/*', async (request, reply) => {
    const { id, '*': path } = request.params;
    const record = queue.record(id);
    if (!record) return sendError(reply, 404, 'not-found', `no job ${id} (unknown, or deleted to keep the last ${queue.limits.keep})`);
    if (record.status === 'failed') return sendRecord(reply, record, 200);
    if (record.status !== 'done') return sendError(reply, 409, 'not-finished', `job ${id} is ${record.status}; its files are not written yet`, record);
    // Only the files the job wrote are served (also keeps the path inside the job's folder).
    if (!record.files!.includes(path)) return sendError(reply, 404, 'not-found', `job ${id} has no file ${path}`);
    return reply.type(CONTENT_TYPES[extname(path)] ?? 'application/octet-stream').send(createReadStream(join(queue.folder(id), path)));
  });

  return app;
}
