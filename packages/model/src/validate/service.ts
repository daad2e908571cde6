import { checkDns1035Label, checkDns1123Label, checkPortName } from '../names.js';
import type { ServiceObject, ServicePort } from '../types.js';
import { readIP, readL4Protocol, readPortName, reportDuplicates } from './common.js';
import { readLabels, readMetadata } from './metadata.js';
import { PORT_RANGE, type ObjectReader } from './reader.js';

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;

/** `targetPort`: a port number or a container port name; defaults to `port`. */
function readTargetPort(port: ObjectReader, defaultPort: number | undefined): number | string {
  const value = port.get('targetPort');
  if (typeof value === 'string') return port.optionalString('targetPort', checkPortName) ?? value;
  return port.optionalInt('targetPort', PORT_RANGE) ?? defaultPort ?? 0;
}

function readServicePort(port: ObjectReader): ServicePort {
  const number = port.requireInt('port', PORT_RANGE);
  return {
    name: readPortName(port, checkDns1123Label),
    port: number ?? 0,
    targetPort: readTargetPort(port, number),
    protocol: readL4Protocol(port),
    appProtocol: port.optionalString('appProtocol'),
  };
}

/** `clusterIP`: an IP, or "None" for a headless Service; "" (unassigned) is left out. */
function readClusterIP(spec: ObjectReader): string | undefined {
  const value = spec.get('clusterIP');
  if (value === '') return undefined;
  if (value === 'None') return 'None';
  return readIP(spec, 'clusterIP', { required: false });
}

export function readServiceObject(document: ObjectReader): ServiceObject {
  const metadata = readMetadata(document, { name: checkDns1035Label, clusterScoped: false });
  const spec = document.object('spec');
  const ports = spec?.objects('ports', (reader) => ({ item: readServicePort(reader), reader })) ?? [];
  // Kubernetes' rules: with several ports every port is named, and names and port/protocol pairs are unique.
  if (ports.length > 1) {
    for (const { item, reader } of ports) if (item.name === '') reader.error('name', 'required when the Service has more than one port');
  }
  reportDuplicates(ports, (port) => port.name || undefined, 'name', 'port name');
  reportDuplicates(ports, (port) => `${port.port}/${port.protocol}`, 'port', 'port/protocol');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      ports: ports.map(({ item }) => item),
      selector: spec ? readLabels(spec, 'selector') : {},
      type: spec?.optionalEnum('type', SERVICE_TYPES) ?? 'ClusterIP',
      clusterIP: spec ? readClusterIP(spec) : undefined,
    },
  };
}
