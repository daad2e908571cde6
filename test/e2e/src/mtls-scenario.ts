/**
 * Proxyless mTLS: an xDS-enabled gRPC server behind the `echo` Service, which an https
 * IngressBackend makes mTLS-only and open to one client identity, and a proxyless client that
 * meshgate tells to dial it over TLS and to expect the server's identity. Both take their
 * certificates from meshgate-issued files.
 */
import * as grpc from '@grpc/grpc-js';
import { NAMESPACE, ECHO_PORT } from './scenario.js';
import { parseServerReply, type ServerReply } from './xds-server.js';

export const SERVER_IDENTITY = { serviceAccount: 'echo-server', namespace: NAMESPACE };
export const CLIENT_IDENTITY = { serviceAccount: 'echo-client', namespace: NAMESPACE };
export const SERVER_LABELS = { app: 'echo' };

/** The URI SAN meshgate's CA writes for an identity (trust domain `cluster.local`). */
export function spiffeId(identity: { serviceAccount: string; namespace: string }): string {
  return `spiffe://cluster.local/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

export interface MtlsScenario {
  serverIp: string;
  serverPort: number;
  /** The Pod's service account: the identity clients are told to expect. */
  serverServiceAccount: string;
  /** The IngressBackend's AuthenticatedPrincipal. */
  allowedPrincipal: string;
}

/** The server's Pod: its service account is what clients expect the server's certificate to name. */
export function serverPodYaml(scenario: MtlsScenario): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: echo-server-0
  namespace: ${NAMESPACE}
  labels:
    app: echo
spec:
  serviceAccountName: ${scenario.serverServiceAccount}
  containers:
  - name: echo
    ports:
    - name: grpc
      containerPort: ${scenario.serverPort}
status:
  podIP: ${scenario.serverIp}
  phase: Running
`;
}

/** The IngressBackend that makes the server's port mTLS-only, admitting `allowedPrincipal`. */
export function ingressBackendYaml(scenario: MtlsScenario): string {
  return `apiVersion: policy.openservicemesh.io/v1alpha1
kind: IngressBackend
metadata:
  name: echo
  namespace: ${NAMESPACE}
spec:
  backends:
  - name: echo
    port:
      number: ${scenario.serverPort}
      protocol: https
    tls:
      skipClientCertValidation: false
  sources:
  - kind: AuthenticatedPrincipal
    name: ${scenario.allowedPrincipal}
`;
}

/** Namespace (in the mesh), Service, Endpoints, Pod and IngressBackend. */
export function mtlsManifests(scenario: MtlsScenario): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
  labels:
    openservicemesh.io/monitored-by: osm
---
apiVersion: v1
kind: Service
metadata:
  name: echo
  namespace: ${NAMESPACE}
spec:
  selector:
    app: echo
  ports:
  - name: grpc
    port: ${ECHO_PORT}
    targetPort: ${scenario.serverPort}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: echo
  namespace: ${NAMESPACE}
subsets:
- addresses:
  - ip: ${scenario.serverIp}
  ports:
  - name: grpc
    port: ${scenario.serverPort}
---
${serverPodYaml(scenario)}---
${ingressBackendYaml(scenario)}`;
}

export interface SecureCallResult {
  ok: boolean;
  code?: grpc.status;
  details?: string;
  /** What the server saw (when ok). */
  reply?: ServerReply;
  /** The server certificate's SANs as the client verified them (when ok). */
  serverSubjectAltName?: string;
}

const identity = (value: Buffer): Buffer => value;

/** One unary call that also reports both sides' view of the connection's security; never throws. */
export function secureCall(client: grpc.Client, method: string, timeoutMs = 5000): Promise<SecureCallResult> {
  return new Promise((resolve) => {
    const call = client.makeUnaryRequest<Buffer, Buffer>(method, identity, identity, Buffer.alloc(0), { deadline: Date.now() + timeoutMs }, (error, response) => {
      if (error) {
        resolve({ ok: false, code: error.code, details: error.details });
        return;
      }
      if (!response) {
        resolve({ ok: false, details: 'no response' });
        return;
      }
      try {
        resolve({ ok: true, reply: parseServerReply(response), serverSubjectAltName: call.getAuthContext()?.sslPeerCertificate?.subjectaltname });
      } catch (parseError) {
        resolve({ ok: false, details: String(parseError) });
      }
    });
  });
}

/** Calls until `accept` holds or the deadline passes; returns the last result. */
export async function secureCallUntil(client: grpc.Client, method: string, accept: (result: SecureCallResult) => boolean, deadlineMs = 20000): Promise<SecureCallResult> {
  const until = Date.now() + deadlineMs;
  let last: SecureCallResult = { ok: false, details: 'no call made' };
  while (Date.now() < until) {
    last = await secureCall(client, method, Math.max(500, Math.min(5000, until - Date.now())));
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}
