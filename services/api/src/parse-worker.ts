/**
 * Worker thread entry: parses request bodies with the model's `parseDocuments`, off the api's
 * event loop (a 1 MiB YAML body takes about a second to parse). Wiring only.
 */
import { parentPort } from 'node:worker_threads';
import { parseDocuments, type ParseLimits } from '@meshgate/model';

export interface ParseRequest {
  id: number;
  text: string;
  limits: ParseLimits;
}

parentPort?.on('message', (request: ParseRequest) => {
  parentPort?.postMessage({ id: request.id, result: parseDocuments(request.text, request.limits) });
});
