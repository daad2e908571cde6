/**
 * DestinationRule `trafficPolicy` (and a subset's, and `portLevelSettings`): load balancing,
 * connection pool, outlier detection and client TLS, with Istio's rules. Durations stay as
 * written (Go syntax), checked here and parsed by the compiler.
 */
import type {
  ClientTlsSettings,
  ConnectionPoolSettings,
  ConsistentHashSettings,
  LoadBalancerSettings,
  LoadBalancerSimple,
  OutlierDetectionSettings,
  PortTrafficPolicy,
  TrafficPolicy,
} from '../types.js';
import { checkConnectTimeout, checkDuration, reportDuplicates } from './common.js';
import { refuseUnknownFields } from './known-fields.js';
import { PERCENT_RANGE, PORT_RANGE, type ObjectReader } from './reader.js';

const SIMPLE_POLICIES: readonly LoadBalancerSimple[] = ['UNSPECIFIED', 'ROUND_ROBIN', 'LEAST_CONN', 'LEAST_REQUEST', 'RANDOM', 'PASSTHROUGH'];
export const CLIENT_TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;
const COUNT = { min: 0, max: 2147483647 };
/** Envoy's ring hash refuses rings above 8M entries. */
const RING_SIZE = { min: 1, max: 8388608 };

function readConsistentHash(hash: ObjectReader): LoadBalancerSettings['consistentHash'] {
  refuseUnknownFields(hash, ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName', 'minimumRingSize', 'ringHash'], {
    maglev: 'the Maglev hash is not implemented; use ringHash',
  });
  const keys: ConsistentHashSettings[] = [];
  const header = hash.optionalString('httpHeaderName');
  if (header !== undefined) keys.push({ httpHeaderName: header.toLowerCase() });
  const cookie = hash.object('httpCookie');
  if (cookie) {
    refuseUnknownFields(cookie, ['name', 'path', 'ttl']);
    const name = cookie.requireString('name');
    const path = cookie.optionalString('path');
    const ttl = cookie.optionalString('ttl', checkDuration);
    if (name !== undefined) keys.push({ httpCookie: { name, path, ttl } });
  }
  const sourceIp = hash.optionalBool('useSourceIp');
  if (sourceIp === true) keys.push({ useSourceIp: true });
  const query = hash.optionalString('httpQueryParameterName');
  if (query !== undefined) keys.push({ httpQueryParameterName: query });
  if (keys.length !== 1) {
    hash.errorHere('exactly one of httpHeaderName, httpCookie, useSourceIp (true) or httpQueryParameterName is required');
    return undefined;
  }
  const ringHash = hash.object('ringHash');
  if (ringHash) refuseUnknownFields(ringHash, ['minimumRingSize']);
  const minimumRingSize = ringHash?.optionalInt('minimumRingSize', RING_SIZE) ?? hash.optionalInt('minimumRingSize', RING_SIZE);
  return { ...keys[0], minimumRingSize };
}

function readLoadBalancer(policy: ObjectReader): LoadBalancerSettings | undefined {
  const lb = policy.object('loadBalancer');
  if (!lb) return undefined;
  refuseUnknownFields(lb, ['simple', 'consistentHash'], {
    localityLbSetting: 'locality-aware load balancing is not implemented',
    warmupDurationSecs: 'slow start is not implemented',
    warmup: 'slow start is not implemented',
  });
  const simple = lb.optionalEnum('simple', SIMPLE_POLICIES);
  const hash = lb.object('consistentHash');
  if (simple !== undefined && hash) lb.errorHere('simple and consistentHash are exclusive');
  return { simple, consistentHash: hash && readConsistentHash(hash) };
}

function readConnectionPool(policy: ObjectReader): ConnectionPoolSettings | undefined {
  const pool = policy.object('connectionPool');
  if (!pool) return undefined;
  refuseUnknownFields(pool, ['tcp', 'http']);
  const tcp = pool.object('tcp');
  const http = pool.object('http');
  if (tcp) refuseUnknownFields(tcp, ['maxConnections', 'connectTimeout', 'maxConnectionDuration', 'tcpKeepalive'], { idleTimeout: 'TCP idle timeouts are not implemented' });
  if (http) {
    refuseUnknownFields(http, ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'idleTimeout', 'maxConcurrentStreams'], {
      h2UpgradePolicy: 'HTTP/2 upgrades are not implemented',
      useClientProtocol: 'following the client protocol is not implemented',
    });
  }
  const keepalive = tcp?.object('tcpKeepalive');
  if (keepalive) refuseUnknownFields(keepalive, ['probes', 'time', 'interval']);
  return {
    tcp: tcp && {
      maxConnections: tcp.optionalInt('maxConnections', COUNT),
      connectTimeout: tcp.optionalString('connectTimeout', checkConnectTimeout),
      maxConnectionDuration: tcp.optionalString('maxConnectionDuration', checkDuration),
      tcpKeepalive: keepalive && { probes: keepalive.optionalInt('probes', COUNT), time: keepalive.optionalString('time', checkDuration), interval: keepalive.optionalString('interval', checkDuration) },
    },
    http: http && {
      http1MaxPendingRequests: http.optionalInt('http1MaxPendingRequests', COUNT),
      http2MaxRequests: http.optionalInt('http2MaxRequests', COUNT),
      maxRequestsPerConnection: http.optionalInt('maxRequestsPerConnection', COUNT),
      maxRetries: http.optionalInt('maxRetries', COUNT),
      idleTimeout: http.optionalString('idleTimeout', checkDuration),
      maxConcurrentStreams: http.optionalInt('maxConcurrentStreams', COUNT),
    },
  };
}

function readOutlierDetection(policy: ObjectReader): OutlierDetectionSettings | undefined {
  const outlier = policy.object('outlierDetection');
  if (!outlier) return undefined;
  refuseUnknownFields(outlier, ['consecutiveErrors', 'consecutive5xxErrors', 'consecutiveGatewayErrors', 'interval', 'baseEjectionTime', 'maxEjectionPercent', 'minHealthPercent'], {
    consecutiveLocalOriginFailures: 'local-origin failure tracking is not implemented',
    splitExternalLocalOriginErrors: 'local-origin failure tracking is not implemented',
  });
  const deprecated = outlier.optionalInt('consecutiveErrors', COUNT);
  const fiveXx = outlier.optionalInt('consecutive5xxErrors', COUNT);
  if (deprecated !== undefined && fiveXx !== undefined) outlier.error('consecutiveErrors', 'deprecated alias of consecutive5xxErrors; give one of them');
  return {
    consecutive5xxErrors: fiveXx ?? deprecated,
    consecutiveGatewayErrors: outlier.optionalInt('consecutiveGatewayErrors', COUNT),
    interval: outlier.optionalString('interval', checkDuration),
    baseEjectionTime: outlier.optionalString('baseEjectionTime', checkDuration),
    maxEjectionPercent: outlier.optionalInt('maxEjectionPercent', PERCENT_RANGE),
    minHealthPercent: outlier.optionalInt('minHealthPercent', PERCENT_RANGE),
  };
}

/** Client TLS, with Istio's rules on which mode takes which fields. */
export function readClientTls(policy: ObjectReader): ClientTlsSettings | undefined {
  const tls = policy.object('tls');
  if (!tls) return undefined;
  refuseUnknownFields(tls, ['mode', 'credentialName', 'clientCertificate', 'privateKey', 'caCertificates', 'subjectAltNames', 'sni', 'insecureSkipVerify'], {
    caCrl: 'certificate revocation lists are not implemented',
  });
  const mode = tls.optionalEnum('mode', CLIENT_TLS_MODES) ?? 'DISABLE';
  const settings: ClientTlsSettings = {
    mode,
    credentialName: tls.optionalString('credentialName'),
    clientCertificate: tls.optionalString('clientCertificate'),
    privateKey: tls.optionalString('privateKey'),
    caCertificates: tls.optionalString('caCertificates'),
    subjectAltNames: tls.stringArray('subjectAltNames'),
    sni: tls.optionalString('sni'),
    insecureSkipVerify: tls.optionalBool('insecureSkipVerify'),
  };
  const files = (['clientCertificate', 'privateKey', 'caCertificates'] as const).filter((key) => settings[key] !== undefined);
  if (mode === 'ISTIO_MUTUAL') {
    // The mesh's own certificates are used: anything else would be ignored.
    for (const key of [...files, ...(settings.credentialName !== undefined ? ['credentialName' as const] : [])]) {
      tls.error(key, 'cannot be set with mode ISTIO_MUTUAL (the mesh certificates are used)');
    }
  }
  if (mode === 'MUTUAL' && settings.credentialName === undefined && (settings.clientCertificate === undefined || settings.privateKey === undefined)) {
    tls.errorHere('mode MUTUAL needs credentialName, or clientCertificate and privateKey');
  }
  if (settings.credentialName !== undefined && files.length > 0) {
    for (const key of files) tls.error(key, 'give credentialName or certificate files, not both');
  }
  if (mode === 'DISABLE' && (settings.credentialName !== undefined || files.length > 0 || settings.sni !== undefined || settings.subjectAltNames.length > 0)) {
    tls.errorHere('mode DISABLE takes no certificates, sni or subjectAltNames');
  }
  return settings;
}

function readPolicyParts(policy: ObjectReader): Omit<TrafficPolicy, 'portLevelSettings'> {
  return {
    loadBalancer: readLoadBalancer(policy),
    connectionPool: readConnectionPool(policy),
    outlierDetection: readOutlierDetection(policy),
    tls: readClientTls(policy),
  };
}

function readPortLevel(setting: ObjectReader): PortTrafficPolicy | undefined {
  refuseUnknownFields(setting, ['port', 'loadBalancer', 'connectionPool', 'outlierDetection', 'tls']);
  const port = setting.object('port', { required: true });
  if (port) refuseUnknownFields(port, ['number']);
  const number = port?.requireInt('number', PORT_RANGE);
  const parts = readPolicyParts(setting);
  return number === undefined ? undefined : { port: { number }, ...parts };
}

export function readTrafficPolicy(parent: ObjectReader, key = 'trafficPolicy'): TrafficPolicy | undefined {
  const policy = parent.object(key);
  if (!policy) return undefined;
  refuseUnknownFields(policy, ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls', 'portLevelSettings'], {
    tunnel: 'HTTP CONNECT tunnelling is not implemented',
    proxyProtocol: 'PROXY protocol upstream is not implemented',
    retryBudget: 'retry budgets are not implemented',
  });
  const items: { item: PortTrafficPolicy; reader: ObjectReader }[] = [];
  const portLevelSettings = policy.objects('portLevelSettings', (reader) => {
    const setting = readPortLevel(reader);
    if (setting) items.push({ item: setting, reader });
    return setting;
  });
  reportDuplicates(items, (setting) => String(setting.port.number), 'port', 'port');
  return { ...readPolicyParts(policy), portLevelSettings };
}
