/**
 * Shared by the hostile-input tests: an api listening on a real socket, `/healthz` probed over
 * it while a request runs, and the one place that sends `POST /v1/apply` (so that adding a
 * credential later is one line).
 */
import { bearer, probeHealth, type StallReport } from '@meshgate/testkit';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

export interface ListeningApi {
  h: Harness;
  base: string;
  close(): Promise<void>;
}

export async function listeningApi(options: HarnessOptions = {}): Promise<ListeningApi> {
  const h = await startHarness({ consumeChanges: false, ...options });
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  return { h, base, close: () => h.close() };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** `POST /v1/apply` over the socket. */
export async function postApply(base: string, body: string, contentType = 'application/yaml'): Promise<Answer> {
  const response = await fetch(`${base}/v1/apply`, { method: 'POST', headers: { 'content-type': contentType, ...bearer() }, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { value: parsed } };
}

/** Runs `request` while `/healthz` is probed over the socket; the answer and the probe's report. */
export async function whileProbing<T>(base: string, request: () => Promise<T>): Promise<{ result: T; report: StallReport }> {
  const probe = probeHealth(`${base}/healthz`);
  try {
    const result = await request();
    return { result, report: await probe.stop() };
  } catch (error) {
    await probe.stop();
    throw error;
  }
}
