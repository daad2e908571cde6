/**
 * The kind-specific columns of `meshgate get` tables: what one wants to see of each kind at a
 * glance (hosts and gateways of a VirtualService, selector and ports of a Gateway, ...).
 */
import { arrayAt, at, labelsAt, numberAt, stringAt, stringsAt } from '../json.js';
import { listCell } from './table.js';

export interface KindColumns {
  headers: string[];
  cells(object: unknown): string[];
}

function text(value: string | undefined): string {
  return value === undefined || value === '' ? '<none>' : value;
}

/** `80/HTTP`, `443/TCP`: a port number with its protocol, as kubectl prints ports. */
function portCell(port: unknown, numberKey: string, protocolKey: string): string {
  const number = numberAt(port, numberKey);
  const protocol = stringAt(port, protocolKey);
  if (number === undefined) return '?';
  return protocol ? `${number}/${protocol}` : String(number);
}

function endpointAddresses(subset: unknown): string[] {
  const ports = arrayAt(subset, 'ports').flatMap((port) => {
    const number = numberAt(port, 'port');
    return number === undefined ? [] : [number];
  });
  return arrayAt(subset, 'addresses').flatMap((address) => {
    const ip = stringAt(address, 'ip');
    if (ip === undefined) return [];
    return ports.length === 0 ? [ip] : ports.map((port) => `${ip}:${port}`);
  });
}

const COLUMNS: Readonly<Record<string, KindColumns>> = {
  VirtualService: {
    headers: ['HOSTS', 'GATEWAYS'],
    cells: (object) => [listCell(stringsAt(object, 'spec', 'hosts')), listCell(stringsAt(object, 'spec', 'gateways'))],
  },
  Gateway: {
    headers: ['SELECTOR', 'PORTS'],
    cells: (object) => [
      listCell(labelsAt(object, 'spec', 'selector')),
      listCell(arrayAt(object, 'spec', 'servers').map((server) => portCell(at(server, 'port'), 'number', 'protocol')), 5),
    ],
  },
  Service: {
    headers: ['TYPE', 'CLUSTER-IP', 'PORTS', 'SELECTOR'],
    cells: (object) => [
      text(stringAt(object, 'spec', 'type') ?? 'ClusterIP'),
      text(stringAt(object, 'spec', 'clusterIP')),
      listCell(arrayAt(object, 'spec', 'ports').map((port) => portCell(port, 'port', 'protocol')), 5),
      listCell(labelsAt(object, 'spec', 'selector')),
    ],
  },
  Endpoints: {
    headers: ['ENDPOINTS'],
    cells: (object) => [listCell(arrayAt(object, 'subsets').flatMap(endpointAddresses))],
  },
  EndpointSlice: {
    headers: ['ADDRESSTYPE', 'PORTS', 'ENDPOINTS'],
    cells: (object) => [
      text(stringAt(object, 'addressType')),
      listCell(arrayAt(object, 'ports').map((port) => portCell(port, 'port', 'protocol'))),
      listCell(arrayAt(object, 'endpoints').flatMap((endpoint) => stringsAt(endpoint, 'addresses'))),
    ],
  },
  Pod: {
    headers: ['IP', 'SERVICE-ACCOUNT'],
    cells: (object) => [text(stringAt(object, 'status', 'podIP')), text(stringAt(object, 'spec', 'serviceAccountName'))],
  },
  Namespace: {
    headers: ['LABELS'],
    cells: (object) => [listCell(labelsAt(object, 'metadata', 'labels'), 5)],
  },
  DestinationRule: {
    headers: ['HOST', 'SUBSETS'],
    cells: (object) => [
      text(stringAt(object, 'spec', 'host')),
      listCell(arrayAt(object, 'spec', 'subsets').flatMap((subset) => stringAt(subset, 'name') ?? [])),
    ],
  },
  ServiceEntry: {
    headers: ['HOSTS', 'LOCATION', 'RESOLUTION'],
    cells: (object) => [
      listCell(stringsAt(object, 'spec', 'hosts')),
      text(stringAt(object, 'spec', 'location')),
      text(stringAt(object, 'spec', 'resolution')),
    ],
  },
  IngressBackend: {
    // STATUS is derived by the api (committed, or rejected when an earlier IngressBackend claims the backend), as OSM's printer column.
    headers: ['BACKENDS', 'SOURCES', 'STATUS'],
    cells: (object) => [
      listCell(arrayAt(object, 'spec', 'backends').map((backend) => `${stringAt(backend, 'name') ?? '?'}:${numberAt(backend, 'port', 'number') ?? '?'}`)),
      listCell(arrayAt(object, 'spec', 'sources').map((source) => `${stringAt(source, 'kind') ?? '?'}/${stringAt(source, 'name') ?? '?'}`)),
      text(stringAt(object, 'status', 'currentStatus')),
    ],
  },
  Ingress: {
    headers: ['CLASS', 'HOSTS'],
    cells: (object) => [
      text(stringAt(object, 'spec', 'ingressClassName')),
      listCell(arrayAt(object, 'spec', 'rules').flatMap((rule) => stringAt(rule, 'host') ?? [])),
    ],
  },
  IngressClass: {
    headers: ['CONTROLLER'],
    cells: (object) => [text(stringAt(object, 'spec', 'controller'))],
  },
  // As kubectl: the type and how many keys; the values are never in the object.
  Secret: {
    headers: ['TYPE', 'DATA', 'PROBLEMS'],
    cells: (object) => {
      const data = at(object, 'data');
      return [text(stringAt(object, 'type')), String(typeof data === 'object' && data !== null ? Object.keys(data).length : 0), listCell(stringsAt(object, 'problems'), 1)];
    },
  },
};

/** `-o wide`: more of each kind, after the default columns (as kubectl's wide adds IP and NODE to pods). */
const WIDE_COLUMNS: Readonly<Record<string, KindColumns>> = {
  VirtualService: {
    headers: ['DESTINATIONS'],
    cells: (object) => [
      listCell(
        [
          ...new Set(
            arrayAt(object, 'spec', 'http').flatMap((route) =>
              arrayAt(route, 'route').map((entry) => {
                const host = stringAt(entry, 'destination', 'host') ?? '?';
                const port = numberAt(entry, 'destination', 'port', 'number');
                const subset = stringAt(entry, 'destination', 'subset');
                return `${host}${port === undefined ? '' : `:${port}`}${subset === undefined ? '' : `/${subset}`}`;
              }),
            ),
          ),
        ],
        5,
      ),
    ],
  },
  Gateway: {
    headers: ['HOSTS', 'CREDENTIALS'],
    cells: (object) => [
      listCell([...new Set(arrayAt(object, 'spec', 'servers').flatMap((server) => stringsAt(server, 'hosts')))], 5),
      listCell([...new Set(arrayAt(object, 'spec', 'servers').flatMap((server) => stringAt(server, 'tls', 'credentialName') ?? []))]),
    ],
  },
  IngressBackend: {
    headers: ['REASON'],
    cells: (object) => [text(stringAt(object, 'status', 'reason'))],
  },
  Ingress: {
    headers: ['BACKENDS', 'TLS'],
    cells: (object) => [
      listCell(
        [
          ...new Set(
            arrayAt(object, 'spec', 'rules').flatMap((rule) =>
              arrayAt(rule, 'http', 'paths').map((entry) => {
                const name = stringAt(entry, 'backend', 'service', 'name') ?? '?';
                const port = numberAt(entry, 'backend', 'service', 'port', 'number') ?? stringAt(entry, 'backend', 'service', 'port', 'name') ?? '?';
                return `${name}:${port}`;
              }),
            ),
          ),
        ],
        5,
      ),
      listCell(arrayAt(object, 'spec', 'tls').flatMap((tls) => stringAt(tls, 'secretName') ?? [])),
    ],
  },
  DestinationRule: {
    headers: ['TLS-MODE'],
    cells: (object) => [text(stringAt(object, 'spec', 'trafficPolicy', 'tls', 'mode'))],
  },
  Pod: {
    headers: ['LABELS'],
    cells: (object) => [listCell(labelsAt(object, 'metadata', 'labels'), 5)],
  },
};

const NO_COLUMNS: KindColumns = { headers: [], cells: () => [] };

export function columnsFor(kind: string, wide = false): KindColumns {
  const base = COLUMNS[kind] ?? NO_COLUMNS;
  const extra = wide ? WIDE_COLUMNS[kind] : undefined;
  if (extra === undefined) return base;
  return { headers: [...base.headers, ...extra.headers], cells: (object) => [...base.cells(object), ...extra.cells(object)] };
}
