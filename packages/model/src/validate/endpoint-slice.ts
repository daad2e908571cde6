import { canonicalIP, isIPv4, isIPv6 } from '../ip.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../names.js';
import type { EndpointSliceObject } from '../types.js';
import { readEndpointPort, readTargetRef } from './common.js';
import { readMetadata } from './metadata.js';
import type { Check, ObjectReader } from './reader.js';

type AddressType = EndpointSliceObject['addressType'];
type SliceEndpoint = EndpointSliceObject['endpoints'][number];

const ADDRESS_TYPES: readonly AddressType[] = ['IPv4', 'IPv6', 'FQDN'];

const ADDRESS_CHECKS: Record<AddressType, Check<string>> = {
  IPv4: (value) => (isIPv4(value) ? undefined : 'must be an IPv4 address (addressType IPv4)'),
  IPv6: (value) => (isIPv6(value) ? undefined : 'must be an IPv6 address (addressType IPv6)'),
  FQDN: checkDns1123Subdomain,
};

function readEndpoint(endpoint: ObjectReader, addressType: AddressType | undefined, namespace: string): SliceEndpoint {
  const check = addressType ? ADDRESS_CHECKS[addressType] : undefined;
  const addresses = endpoint
    .stringArray('addresses', check, { required: true, message: 'at least one address is required' })
    .map((address) => (addressType === 'FQDN' ? address : (canonicalIP(address) ?? address)));
  return {
    addresses,
    // A missing `ready` condition means "unknown", which consumers treat as ready (Kubernetes API docs).
    conditions: { ready: endpoint.object('conditions')?.optionalBool('ready') ?? true },
    hostname: endpoint.optionalString('hostname', checkDns1123Label),
    nodeName: endpoint.optionalString('nodeName'),
    zone: endpoint.optionalString('zone'),
    targetRef: readTargetRef(endpoint, namespace),
  };
}

export function readEndpointSliceObject(document: ObjectReader): EndpointSliceObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  if (!document.has('addressType')) document.error('addressType', 'required');
  const addressType = document.optionalEnum('addressType', ADDRESS_TYPES);
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata,
    addressType: addressType ?? 'IPv4',
    endpoints: document.objects('endpoints', (endpoint) => readEndpoint(endpoint, addressType, metadata.namespace)),
    ports: document.objects('ports', readEndpointPort),
  };
}
