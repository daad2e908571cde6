import { checkDns1123Label, checkDns1123Subdomain } from '../names.js';
import type { EndpointAddress, EndpointsObject } from '../types.js';
import { readEndpointPort, readIP, readTargetRef } from './common.js';
import { readMetadata } from './metadata.js';
import type { ObjectReader } from './reader.js';

function readAddress(address: ObjectReader, namespace: string): EndpointAddress {
  return {
    ip: readIP(address, 'ip', { required: true }) ?? '',
    hostname: address.optionalString('hostname', checkDns1123Label),
    nodeName: address.optionalString('nodeName'),
    targetRef: readTargetRef(address, namespace),
  };
}

export function readEndpointsObject(document: ObjectReader): EndpointsObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const readAddressHere = (address: ObjectReader) => readAddress(address, metadata.namespace);
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata,
    subsets: document.objects('subsets', (subset) => ({
      addresses: subset.objects('addresses', readAddressHere),
      notReadyAddresses: subset.objects('notReadyAddresses', readAddressHere),
      ports: subset.objects('ports', readEndpointPort),
    })),
  };
}
