/**
 * Configuration from the environment, read in one place. Every setting has the default that
 * DESIGN.md's contract table gives; errors name the variable.
 */
import { loadCaSettings, loadGrpcPort, type CaSettings } from './ca-config.js';
import { flag, fraction, namespacedName, optional, optionalPositiveInt, port, positiveInt } from './env.js';
import { DEFAULT_READY_MAX_LAG } from './readiness.js';

export interface MeshgateConfig {
  /** Unset → embedded PGlite under dataDir. */
  databaseUrl?: string;
  /** Unset → in-process bus. */
  natsUrl?: string;
  /**
   * JetStream stream, change-subject prefix and doorbell subject. The defaults are the contract
   * (MESHGATE_CHANGES, meshgate.changes, meshgate.events); tests give each run its own names.
   */
  nats: { stream?: string; subjectPrefix?: string; doorbellSubject?: string };
  dataDir: string;
  apiHost: string;
  apiPort: number;
  /**
   * MESHGATE_API_GRPC_PORT (default 9091): the api process's own gRPC port (Resources, Events,
   * Proxies) in the distributed mode, where the ca process holds MESHGATE_GRPC_PORT. The embedded
   * run serves every service on MESHGATE_GRPC_PORT and ignores it.
   */
  apiGrpcPort: number;
  xdsHost: string;
  xdsPort: number;
  /** MESHGATE_XDS_SECURE_PORT (default 15012): the mTLS ADS port, bound on xdsHost; the only one serving SDS. */
  xdsSecurePort: number;
  /** MESHGATE_XDS_PLAINTEXT_HOST (default 127.0.0.1): where the plaintext port (xdsPort, no secrets) binds. */
  xdsPlaintextHost: string;
  /** MESHGATE_XDS_SERVER_IDENTITY (`<namespace>/<service-account>`, default meshgate-system/meshgate-xds): the mTLS port's certificate. */
  xdsServerIdentity: { namespace: string; serviceAccount: string };
  /** MESHGATE_XDS_ISSUE_BURST (default 5) and MESHGATE_XDS_ISSUE_PER_MINUTE (default 6): workload certificate issuance per identity. */
  xdsIssuance: { burst: number; ratePerMinute: number };
  /** MESHGATE_XDS_DEBOUNCE_MS (default 20) and MESHGATE_XDS_DEBOUNCE_MAX_MS (default 200): a push waits for this much quiet, at most the maximum (measured: README, "Push debounce"). */
  xdsDebounce: { quietMs: number; maxMs: number };
  /** MESHGATE_XDS_MAX_CONCURRENT_WRITES (default 128): xDS writes not yet flushed, across all streams. */
  xdsMaxConcurrentWrites: number;
  /** The xds service's own HTTP port (proxy status, metrics) when it runs as its own process. */
  xdsAdminPort: number;
  /** Where the api finds the xds service's proxy status in the distributed mode. */
  xdsAdminUrl?: string;
  trustDomain: string;
  meshName: string;
  clusterDomain: string;
  logLevel: string;
  applyBodyLimitBytes: number;
  /** Bounds on one apply beyond the body size; unset ones keep the api's defaults (its README, "Limits on input"). */
  applyLimits: {
    maxKeysPerMapping?: number;
    maxAliases?: number;
    maxDepth?: number;
    maxExpandedBytes?: number;
    maxObjects?: number;
  };
  manifestsDir?: string;
  /**
   * MESHGATE_KUBECONFIG (`meshgate up --kubeconfig`): follow this cluster's objects. The watcher
   * service also takes `KUBECONFIG`; `meshgate up` does not, so that a shell's usual KUBECONFIG
   * never makes a local run follow a real cluster unasked.
   */
  kubeconfig?: string;
  /** MESHGATE_KUBERNETES_IN_CLUSTER=true: follow the cluster meshgate runs in (its service account). */
  kubernetesInCluster: boolean;
  /** MESHGATE_MONITORED_BY_LABEL: Namespaces are followed when this label equals the mesh name. */
  monitoredByLabel: string;
  /**
   * MESHGATE_KUBERNETES_WRITE_BACK (default true; `false` turns it off): with a cluster, write back
   * the issued secrets, IngressBackend status and Istio status conditions (server-side apply).
   */
  kubernetesWriteBack: boolean;
  /** MESHGATE_CA_URL: the CA's REST base URL (e.g. http://ca:8081), where the watcher's write-back reads published secrets. */
  caUrl?: string;
  /** The api saves a MeshState snapshot after this many events (0: never). */
  snapshotEvery: number;
  /** `/readyz` fails when a follower is more than this many events behind the log head. */
  readyMaxLag: number;
  /** A workload certificate is renewed once this fraction of its lifetime has passed (0 < f < 1). */
  certRenewFraction: number;
  /**
   * MESHGATE_GRPC_PORT (default 9090): the gRPC API. The embedded run serves every service there;
   * in the distributed mode the ca process serves its CertificateAuthority there.
   */
  grpcPort: number;
  /** The certificate authority's settings (ca-config.ts). */
  ca: CaSettings;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MeshgateConfig {
  return {
    databaseUrl: optional(env, 'DATABASE_URL'),
    natsUrl: optional(env, 'NATS_URL'),
    nats: {
      stream: optional(env, 'MESHGATE_NATS_STREAM'),
      subjectPrefix: optional(env, 'MESHGATE_NATS_SUBJECT_PREFIX'),
      doorbellSubject: optional(env, 'MESHGATE_NATS_DOORBELL'),
    },
    dataDir: optional(env, 'MESHGATE_DATA_DIR') ?? './.meshgate',
    apiHost: optional(env, 'MESHGATE_API_HOST') ?? '127.0.0.1',
    apiPort: port(env, 'MESHGATE_API_PORT', 8080),
    apiGrpcPort: port(env, 'MESHGATE_API_GRPC_PORT', 9091),
    xdsHost: optional(env, 'MESHGATE_XDS_HOST') ?? '127.0.0.1',
    xdsPort: port(env, 'MESHGATE_XDS_PORT', 15010),
    xdsSecurePort: port(env, 'MESHGATE_XDS_SECURE_PORT', 15012),
    xdsPlaintextHost: optional(env, 'MESHGATE_XDS_PLAINTEXT_HOST') ?? '127.0.0.1',
    xdsServerIdentity: namespacedName(env, 'MESHGATE_XDS_SERVER_IDENTITY', { namespace: 'meshgate-system', serviceAccount: 'meshgate-xds' }),
    xdsIssuance: { burst: positiveInt(env, 'MESHGATE_XDS_ISSUE_BURST', 5), ratePerMinute: positiveInt(env, 'MESHGATE_XDS_ISSUE_PER_MINUTE', 6) },
    xdsDebounce: { quietMs: positiveInt(env, 'MESHGATE_XDS_DEBOUNCE_MS', 20), maxMs: positiveInt(env, 'MESHGATE_XDS_DEBOUNCE_MAX_MS', 200) },
    xdsMaxConcurrentWrites: positiveInt(env, 'MESHGATE_XDS_MAX_CONCURRENT_WRITES', 128),
    xdsAdminPort: port(env, 'MESHGATE_XDS_ADMIN_PORT', 15014),
    xdsAdminUrl: optional(env, 'MESHGATE_XDS_ADMIN_URL'),
    trustDomain: optional(env, 'MESHGATE_TRUST_DOMAIN') ?? 'cluster.local',
    meshName: optional(env, 'MESHGATE_MESH_NAME') ?? 'osm',
    clusterDomain: optional(env, 'MESHGATE_CLUSTER_DOMAIN') ?? 'cluster.local',
    logLevel: optional(env, 'MESHGATE_LOG_LEVEL') ?? 'info',
    applyBodyLimitBytes: positiveInt(env, 'MESHGATE_APPLY_BODY_LIMIT', 1024 * 1024),
    applyLimits: {
      maxKeysPerMapping: optionalPositiveInt(env, 'MESHGATE_APPLY_MAX_KEYS'),
      maxAliases: optionalPositiveInt(env, 'MESHGATE_APPLY_MAX_ALIASES'),
      maxDepth: optionalPositiveInt(env, 'MESHGATE_APPLY_MAX_DEPTH'),
      maxExpandedBytes: optionalPositiveInt(env, 'MESHGATE_APPLY_MAX_EXPANDED_BYTES'),
      maxObjects: optionalPositiveInt(env, 'MESHGATE_APPLY_MAX_OBJECTS'),
    },
    manifestsDir: optional(env, 'MESHGATE_MANIFESTS_DIR'),
    kubeconfig: optional(env, 'MESHGATE_KUBECONFIG'),
    kubernetesInCluster: flag(env, 'MESHGATE_KUBERNETES_IN_CLUSTER'),
    monitoredByLabel: optional(env, 'MESHGATE_MONITORED_BY_LABEL') ?? 'openservicemesh.io/monitored-by',
    // On unless said otherwise: a cluster user looks for meshgate's results in the cluster.
    caUrl: optional(env, 'MESHGATE_CA_URL'),
    kubernetesWriteBack: env.MESHGATE_KUBERNETES_WRITE_BACK === undefined || env.MESHGATE_KUBERNETES_WRITE_BACK === '' ? true : flag(env, 'MESHGATE_KUBERNETES_WRITE_BACK'),
    snapshotEvery: positiveInt(env, 'MESHGATE_SNAPSHOT_EVERY', 1000),
    readyMaxLag: positiveInt(env, 'MESHGATE_READY_MAX_LAG', DEFAULT_READY_MAX_LAG),
    certRenewFraction: fraction(env, 'MESHGATE_CERT_RENEW_FRACTION', 0.5),
    grpcPort: loadGrpcPort(env),
    ca: loadCaSettings(env),
  };
}
