import { canonicalIP } from '../ip.js';
import { checkDns1123Label, checkDns1123Subdomain, checkPortName } from '../names.js';
import type { PodObject } from '../types.js';
import { readIP, readL4Protocol } from './common.js';
import { readMetadata } from './metadata.js';
import { PORT_RANGE, isPlainObject, type ObjectReader } from './reader.js';

type Container = PodObject['spec']['containers'][number];

function readContainer(container: ObjectReader): Container {
  return {
    name: container.requireString('name', checkDns1123Label) ?? '',
    ports: container.objects('ports', (port) => ({
      name: port.optionalString('name', checkPortName),
      containerPort: port.requireInt('containerPort', PORT_RANGE) ?? 0,
      protocol: readL4Protocol(port),
    })),
  };
}

/** `status.podIPs` as the API writes it (`[{ip}]`) or as we store it (`[ip]`). */
function readPodIPs(status: ObjectReader): string[] {
  return status.array('podIPs').flatMap(({ path, value }) => {
    const ip = isPlainObject(value) ? value.ip : value;
    const canonical = typeof ip === 'string' ? canonicalIP(ip) : undefined;
    if (canonical === undefined) {
      status.sink.add(path, 'expected an IP address or {ip: <address>}');
      return [];
    }
    return [canonical];
  });
}

/**
 * `status.podIP` and `status.podIPs` describe the same addresses; they are normalised together
 * so that either spelling gives the same object: podIPs lists every address (podIP first),
 * podIP is the first one.
 */
function readStatus(document: ObjectReader): PodObject['status'] {
  const status = document.object('status');
  if (!status) return { podIPs: [] };
  const podIP = readIP(status, 'podIP', { required: false });
  const podIPs = [...new Set([...(podIP === undefined ? [] : [podIP]), ...readPodIPs(status)])];
  return { podIPs, podIP: podIPs[0], phase: status.optionalString('phase') };
}

export function readPodObject(document: ObjectReader): PodObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const spec = document.object('spec');
  // `serviceAccount` is the deprecated spelling; Kubernetes uses "default" when neither is set.
  const serviceAccountName = spec?.optionalString('serviceAccountName', checkDns1123Subdomain) ?? spec?.optionalString('serviceAccount', checkDns1123Subdomain) ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: {
      serviceAccountName,
      nodeName: spec?.optionalString('nodeName'),
      containers: spec?.objects('containers', readContainer) ?? [],
    },
    status: readStatus(document),
  };
}
