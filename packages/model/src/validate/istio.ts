/** What Istio networking kinds share: their API versions. */
import { checkDns1123Label } from '../names.js';
import type { IstioVersion } from '../types.js';
import type { ObjectReader } from './reader.js';

export const ISTIO_VERSIONS: readonly IstioVersion[] = ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1'];

/** The version as written when it is an Istio networking version (a wrong one is reported by the dispatcher). */
export function istioVersion(apiVersion: string): IstioVersion {
  return ISTIO_VERSIONS.find((version) => version === apiVersion) ?? 'networking.istio.io/v1';
}

/** `exportTo` entries: `.` (this namespace), `*` (all), or a namespace name; deduplicated and sorted. */
export function readExportTo(spec: ObjectReader): string[] {
  const check = (value: string) => (value === '.' || value === '*' ? undefined : checkDns1123Label(value));
  return [...new Set(spec.stringArray('exportTo', check))].sort();
}
