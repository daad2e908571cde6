/**
 * Analysis messages in the shape Istio writes them on its objects: `status.validationMessages`
 * of `istio.meta.v1alpha1.IstioStatus` holds `istio.analysis.v1alpha1.AnalysisMessageBase`
 * entries — `{documentationUrl, level: ERROR|WARNING|INFO, type: {code, name}}`, in protobuf's
 * JSON names — one per message, without the message text (that stays with `meshgate analyze`).
 * istiod fills `type.code` only; the proto's `type.name` is filled too, as it costs nothing and
 * reads better in `kubectl get -o yaml`.
 */
import type { AnalysisMessage, Level } from './types.js';

/** `AnalysisMessageBase` as JSON. */
export interface ValidationMessage {
  /** Istio's page for an IST code; absent for meshgate's own (MG) codes, which have no page there. */
  documentationUrl?: string;
  level: 'ERROR' | 'WARNING' | 'INFO';
  type: { code: string; name: string };
}

const LEVEL_NAMES: Record<Level, ValidationMessage['level']> = { Error: 'ERROR', Warning: 'WARNING', Info: 'INFO' };

/** Istio's reference page of a code: `https://istio.io/latest/docs/reference/config/analysis/ist0101/`. */
export function documentationUrl(code: string): string | undefined {
  return /^IST\d{4}$/.test(code) ? `https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/` : undefined;
}

export function validationMessageOf(message: AnalysisMessage): ValidationMessage {
  const url = documentationUrl(message.code);
  return { ...(url === undefined ? {} : { documentationUrl: url }), level: LEVEL_NAMES[message.level], type: { code: message.code, name: message.name } };
}

/** `Kind/namespace/name` → the validation messages about that object, in the order given (one entry per message, as istiod writes them). */
export function validationMessagesByObject(messages: readonly AnalysisMessage[]): Map<string, ValidationMessage[]> {
  const byObject = new Map<string, ValidationMessage[]>();
  for (const message of messages) {
    const key = `${message.object.kind}/${message.object.namespace}/${message.object.name}`;
    byObject.set(key, [...(byObject.get(key) ?? []), validationMessageOf(message)]);
  }
  return byObject;
}
