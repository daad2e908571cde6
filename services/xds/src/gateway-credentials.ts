/**
 * Gateway credentials over SDS, from applied Secrets: `kubernetes://NAME` (certificate and key)
 * and `kubernetes://NAME-cacert` (the CA for MUTUAL), also asked for by the bare name, as Istio
 * serves a Gateway's `credentialName` and an Ingress's `tls.secretName`.
 *
 * Access (Istio's rule, stricter where it can be): only a gateway proxy (ROLE ingress-gateway or
 * egress-gateway) gets credentials, only of its own namespace (the gateway workload's), and only
 * those it subscribes to — Envoy asks for exactly the names its listeners reference. A sidecar,
 * or a proxy of another namespace, is sent nothing (`maySendSecret` in the ADS server also
 * keeps other namespaces' names out).
 *
 * The bytes come from the encrypted secret store at the version the MeshState holds (the
 * payload digest of the Secret object), loaded once per version and kept in memory only. A
 * rotated Secret is served once its new payload is loaded: until then the previous version
 * stays (never nothing), then `changed` pushes the new SDS version — listeners and clusters do
 * not change, since they name the secret, not its content. The old version is dropped then.
 */
import { EventEmitter } from 'node:events';
import type { ProxyNode } from '@meshgate/compiler';
import { createdSequenceOf, type MeshState } from '@meshgate/model';
import { CREDENTIAL_ROLES, payloadDigestOf, resolveCredentialSdsName, SecretsError, type AppliedSecretPayloads, type CredentialSource } from '@meshgate/secrets';
import type { Logger } from 'pino';
import type { EncodedResource } from './resource-cache.js';
import type { SecretSource } from './secret-source.js';
import { credentialCertificateSecret, credentialValidationSecret, IDENTITY_SECRET_NAMES } from './sds-secrets.js';

export interface GatewayCredentialsOptions {
  payloads: Pick<AppliedSecretPayloads, 'read'>;
  /** The current MeshState (the follower's). */
  state: () => MeshState;
  logger: Logger;
}

export interface GatewayCredentialsEvents {
  /** A payload was loaded (or found missing): proxies waiting for it are answered, others get the new version. */
  changed: [];
}

interface LoadedPayload {
  digest: string;
  data: ReadonlyMap<string, Buffer>;
  /** Encoded resources of this version, by SDS name and source keys (reused while unchanged). */
  encoded: Map<string, EncodedResource>;
}

interface PayloadEntry {
  /** The Secret's creation sequence: the same name created again is a new entry. */
  created: number;
  /** The newest version loaded. */
  current?: LoadedPayload;
  /** The digest being loaded, and the load. */
  loading?: { digest: string; promise: Promise<void> };
  /** A digest whose payload is not in the store (or does not decrypt): not retried until it changes. */
  failed?: string;
  /** After a read error (the store did not answer): no new read before this time (epoch ms). */
  retryAfter?: number;
}

/** How long after a failed read of the secret store the next one is tried. */
const RETRY_AFTER_MS = 5000;

/** The same roles `credentialServable` names, so that the compiler's check and what is served agree. */
const GATEWAY_ROLES: ReadonlySet<string> = new Set(CREDENTIAL_ROLES);
const NOTHING: ReadonlyMap<string, EncodedResource> = new Map();

export class GatewayCredentials extends EventEmitter<GatewayCredentialsEvents> implements SecretSource {
  /** Payloads by `namespace/name`. */
  private readonly payloads = new Map<string, PayloadEntry>();
  /**
   * The credential names each connected gateway proxy subscribes to, by its stream's node (one
   * object per stream: a reconnecting proxy's old stream closing does not forget the new one's).
   */
  private readonly requested = new Map<ProxyNode, ReadonlySet<string>>();
  private stopped = false;

  constructor(private readonly options: GatewayCredentialsOptions) {
    super();
  }

  stop(): void {
    this.stopped = true;
  }

  secretsFor(node: ProxyNode): ReadonlyMap<string, EncodedResource> {
    const names = this.requested.get(node);
    if (this.stopped || names === undefined || !GATEWAY_ROLES.has(node.role)) return NOTHING;
    const state = this.options.state();
    this.forgetDeleted(state);
    const out = new Map<string, EncodedResource>();
    for (const name of names) {
      const source = resolveCredentialSdsName(state.byKind.Secret, node.namespace, name);
      if ('problem' in source) continue;
      const payload = this.payloadFor(state, source);
      const resource = payload && this.encode(payload, source);
      if (resource) out.set(name, resource);
    }
    return out;
  }

  prepare(node: ProxyNode, names: ReadonlySet<string>): boolean {
    if (this.stopped || !GATEWAY_ROLES.has(node.role)) return true;
    const credentials = new Set([...names].filter((name) => !IDENTITY_SECRET_NAMES.has(name)));
    if (credentials.size === 0) {
      this.requested.delete(node);
      return true;
    }
    this.requested.set(node, credentials);
    const state = this.options.state();
    let ready = true;
    for (const name of credentials) {
      const source = resolveCredentialSdsName(state.byKind.Secret, node.namespace, name);
      if ('problem' in source) {
        this.options.logger.debug({ proxy: node.id, name, problem: source.problem }, 'credential requested that no Secret backs; answered without it');
        continue;
      }
      this.payloadFor(state, source);
      const entry = this.payloads.get(keyOf(source));
      // Wait only for a first load under way: a rotation keeps serving the previous version
      // meanwhile, and a payload that cannot be read is answered without (and said in the log).
      if (entry?.current === undefined && entry?.loading !== undefined) ready = false;
    }
    return ready;
  }

  /**
   * Drops the payloads of Secrets the state no longer holds: a Secret deleted and created again
   * (seed 002's rotation) must never bring the deleted version back while the new one loads.
   */
  private forgetDeleted(state: MeshState): void {
    for (const key of this.payloads.keys()) if (!state.byKind.Secret.has(key)) this.payloads.delete(key);
  }

  forget(node: ProxyNode): void {
    this.requested.delete(node);
  }

  private digestOf(state: MeshState, source: CredentialSource): string | undefined {
    const object = state.byKind.Secret.get(keyOf(source));
    return object === undefined ? undefined : payloadDigestOf(object.data);
  }

  /** The newest loaded payload of the source's Secret; starts loading the state's version if it is not that one. */
  private payloadFor(state: MeshState, source: CredentialSource): LoadedPayload | undefined {
    const digest = this.digestOf(state, source);
    const key = keyOf(source);
    if (digest === undefined) {
      this.payloads.delete(key); // deleted: its bytes are not kept
      return undefined;
    }
    // A Secret deleted and created again is another object (its creation sequence): the deleted
    // one's bytes are not served while the new one loads.
    const object = state.byKind.Secret.get(key);
    const created = object === undefined ? 0 : createdSequenceOf(state, object);
    let entry = this.payloads.get(key);
    if (!entry || entry.created !== created) this.payloads.set(key, (entry = { created }));
    const waiting = entry.retryAfter !== undefined && Date.now() < entry.retryAfter;
    if (entry.current?.digest !== digest && entry.loading?.digest !== digest && entry.failed !== digest && !waiting) this.load(key, entry, source, digest);
    return entry.current;
  }

  private load(key: string, entry: PayloadEntry, source: CredentialSource, digest: string): void {
    const ref = { namespace: source.secret.namespace, name: source.secret.name };
    const promise = this.options.payloads
      .read(ref, digest)
      .then((data) => {
        if (this.stopped || this.payloads.get(key) !== entry) return;
        entry.retryAfter = undefined;
        if (data === null) {
          entry.failed = digest;
          this.options.logger.warn({ secret: key }, 'the Secret payload the event log references is not in the secret store; its credential is not served');
        } else {
          // The previous version is dropped here: from now on only the new one is served.
          entry.current = { digest, data, encoded: new Map() };
          this.options.logger.info({ secret: key }, 'gateway credential loaded for SDS');
        }
      })
      .catch((error: unknown) => {
        if (error instanceof SecretsError) {
          entry.failed = digest; // the key does not decrypt it: trying again will not help
        } else {
          entry.retryAfter = Date.now() + RETRY_AFTER_MS;
          // Tried again then: the push that follows reads it.
          setTimeout(() => {
            if (!this.stopped) this.emit('changed');
          }, RETRY_AFTER_MS).unref();
        }
        this.options.logger.error({ secret: key, err: error }, 'reading a Secret payload from the secret store failed; its credential is not served until it is read');
      })
      .finally(() => {
        if (entry.loading?.digest === digest) entry.loading = undefined;
        if (!this.stopped) this.emit('changed');
      });
    entry.loading = { digest, promise };
  }

  private encode(payload: LoadedPayload, source: CredentialSource): EncodedResource | undefined {
    const cacheKey = source.kind === 'certificate' ? `${source.sdsName}\0${source.certificateKey}\0${source.privateKeyKey}` : `${source.sdsName}\0${source.caKey}`;
    const cached = payload.encoded.get(cacheKey);
    if (cached) return cached;
    let resource: EncodedResource | undefined;
    if (source.kind === 'certificate') {
      const chain = payload.data.get(source.certificateKey);
      const key = payload.data.get(source.privateKeyKey);
      if (chain && key) resource = credentialCertificateSecret(source.sdsName, chain.toString('utf8'), key.toString('utf8'));
    } else {
      const ca = payload.data.get(source.caKey);
      if (ca) resource = credentialValidationSecret(source.sdsName, ca.toString('utf8'));
    }
    if (resource) payload.encoded.set(cacheKey, resource);
    return resource;
  }
}

function keyOf(source: CredentialSource): string {
  return `${source.secret.namespace}/${source.secret.name}`;
}
