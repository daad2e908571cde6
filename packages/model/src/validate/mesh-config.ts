/**
 * OSM's MeshConfig (`config.openservicemesh.io` v1alpha1 and v1alpha2; OSM names it
 * `osm-mesh-config`, in the mesh's namespace). meshgate reads `spec.certificate`, whose
 * `ingressGateway` asks for the client certificate an ingress controller presents to mesh
 * backends; `sidecar`, `traffic`, `observability` and `featureFlags` are kept as written, so a
 * real OSM MeshConfig is taken whole.
 */
import { checkPositiveGoDuration } from '../duration.js';
import { checkHostname } from '../hosts.js';
import { isIP } from '../ip.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../names.js';
import type { IngressGatewayCertificateSpec, MeshConfigObject, MeshConfigVersion } from '../types.js';
import { readOpaqueObject } from './json.js';
import { readMetadata } from './metadata.js';
import type { ObjectReader } from './reader.js';

export const MESH_CONFIG_VERSIONS: readonly MeshConfigVersion[] = ['config.openservicemesh.io/v1alpha1', 'config.openservicemesh.io/v1alpha2'];

/** OSM's CRD bounds for the key size of issued certificates. */
const CERT_KEY_BIT_SIZE = { min: 2048, max: 4096 };

/** A DNS SAN: a DNS name, possibly `*.`-prefixed; not an IP and not a bare `*`. */
function checkDnsSubjectAltName(value: string): string | undefined {
  if (value === '*' || isIP(value)) return `must be a DNS name such as "ingress-nginx.ingress-nginx.cluster.local" (got ${JSON.stringify(value)})`;
  return checkHostname(value);
}

function readSubjectAltNames(ingressGateway: ObjectReader): string[] {
  const names = ingressGateway
    .stringArray('subjectAltNames', checkDnsSubjectAltName, { required: true, message: 'at least one subject alternative name is required' })
    .map((name) => name.toLowerCase());
  // The order is kept: OSM makes the first SAN the certificate's common name.
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (seen.has(name)) ingressGateway.sink.add(`${ingressGateway.pathOf('subjectAltNames')}[${index}]`, `duplicate subject alternative name ${JSON.stringify(name)}`);
    seen.add(name);
  });
  return names;
}

function readIngressGateway(certificate: ObjectReader, meshNamespace: string): IngressGatewayCertificateSpec | undefined {
  const ingressGateway = certificate.object('ingressGateway');
  if (!ingressGateway) return undefined;
  const secret = ingressGateway.object('secret', { required: true });
  return {
    secret: {
      name: secret?.requireString('name', checkDns1123Subdomain) ?? '',
      // A Kubernetes SecretReference may leave the namespace out; it is the MeshConfig's then.
      namespace: secret?.optionalString('namespace', checkDns1123Label) ?? meshNamespace,
    },
    subjectAltNames: readSubjectAltNames(ingressGateway),
    validityDuration: ingressGateway.requireString('validityDuration', checkPositiveGoDuration) ?? '',
  };
}

function readCertificate(spec: ObjectReader | undefined, meshNamespace: string): MeshConfigObject['spec']['certificate'] {
  const certificate = spec?.object('certificate');
  if (!certificate) return {};
  return {
    serviceCertValidityDuration: certificate.optionalString('serviceCertValidityDuration', checkPositiveGoDuration),
    certKeyBitSize: certificate.optionalInt('certKeyBitSize', CERT_KEY_BIT_SIZE),
    ingressGateway: readIngressGateway(certificate, meshNamespace),
  };
}

export function readMeshConfigObject(document: ObjectReader, apiVersion: string): MeshConfigObject {
  const metadata = readMetadata(document, { name: checkDns1123Subdomain, clusterScoped: false });
  const spec = document.object('spec');
  return {
    apiVersion: MESH_CONFIG_VERSIONS.find((version) => version === apiVersion) ?? 'config.openservicemesh.io/v1alpha2',
    kind: 'MeshConfig',
    metadata,
    spec: {
      certificate: readCertificate(spec, metadata.namespace),
      sidecar: spec && readOpaqueObject(spec, 'sidecar'),
      traffic: spec && readOpaqueObject(spec, 'traffic'),
      observability: spec && readOpaqueObject(spec, 'observability'),
      featureFlags: spec && readOpaqueObject(spec, 'featureFlags'),
    },
  };
}
