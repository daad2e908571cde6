/**
 * The xDS bootstrap that points @grpc/grpc-js-xds at meshgate. grpc-js-xds reads it once per
 * process (GRPC_XDS_BOOTSTRAP_CONFIG), so one e2e test file plays one proxyless node.
 */
export interface ProxylessNode {
  id: string;
  namespace: string;
  role?: 'sidecar' | 'ingress-gateway' | 'egress-gateway';
  labels?: Record<string, string>;
}

export function proxylessBootstrap(xdsAddress: string, node: ProxylessNode): Record<string, unknown> {
  return {
    xds_servers: [{ server_uri: xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: node.id,
      locality: {},
      metadata: {
        CLIENT: 'grpc',
        ROLE: node.role ?? 'sidecar',
        NAMESPACE: node.namespace,
        LABELS: node.labels ?? {},
      },
    },
  };
}

/** Installs the bootstrap for this process; call before the first xds:/// channel is made. */
export function useBootstrap(bootstrap: Record<string, unknown>): void {
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(bootstrap);
}
