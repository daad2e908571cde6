/**
 * The agent's own SDS subscription: on its authenticated stream (node `<nodeId>~agent`) it
 * subscribes to `default` and `ROOTCA` and writes every new pair into the certificate files the
 * application's `file_watcher` provider reads — so renewals and root rotations reach the
 * workload without the application speaking SDS. The stream is reopened (with the newest files)
 * when it ends.
 */
import { EventEmitter } from 'node:events';
import { decodeResource } from '@meshgate/envoy-proto';
import { writeCertificateMaterial, type CertificateMaterial } from '@meshgate/xds';
import type { Logger } from 'pino';
import type { AgentConfig } from './config.js';
import { openUpstreamStream, type AdsCall, type XdsMessage } from './upstream.js';

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
const NAMES = ['default', 'ROOTCA'];

export interface OwnSecretsEvents {
  /** New material was written (serial of the leaf). */
  written: [CertificateMaterial];
  /** The stream ended; it is reopened after `retryMs`. */
  lost: [status: { code: number; details: string }];
}

interface DecodedSecret {
  name?: string;
  tls_certificate?: { certificate_chain?: { inline_string?: string }; private_key?: { inline_string?: string } };
  validation_context?: { trusted_ca?: { inline_string?: string } };
}

/** The agent's node: the application's id with `~agent`, the identity filled in. */
export function agentNode(config: AgentConfig): XdsMessage {
  const string = (value: string) => ({ stringValue: value, kind: 'stringValue' });
  return {
    id: `${config.nodeId}~agent`,
    metadata: { fields: { CLIENT: string('grpc'), ROLE: string('sidecar'), NAMESPACE: string(config.namespace), SERVICE_ACCOUNT: string(config.serviceAccount) } },
  };
}

/** Both secrets of a Secret response, when it carries both. */
export function materialOf(response: XdsMessage): CertificateMaterial | undefined {
  const resources = Array.isArray(response.resources) ? (response.resources as { value?: Buffer }[]) : [];
  let chain: string | undefined;
  let key: string | undefined;
  let bundle: string | undefined;
  for (const resource of resources) {
    if (!resource.value) continue;
    const secret = decodeResource(SECRET_TYPE, resource.value) as DecodedSecret;
    if (secret.name === 'default') {
      chain = secret.tls_certificate?.certificate_chain?.inline_string;
      key = secret.tls_certificate?.private_key?.inline_string;
    }
    if (secret.name === 'ROOTCA') bundle = secret.validation_context?.trusted_ca?.inline_string;
  }
  return chain && key && bundle ? { certificateChain: chain, privateKey: key, trustBundle: bundle } : undefined;
}

export class OwnSecrets extends EventEmitter<OwnSecretsEvents> {
  private current?: { call: AdsCall; close(): void };
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private lastWritten = '';

  constructor(
    private readonly config: AgentConfig,
    private readonly logger: Logger,
    private readonly retryMs = 1000,
  ) {
    super();
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.current?.close();
    this.current = undefined;
  }

  private async open(): Promise<void> {
    const upstream = await openUpstreamStream(this.config);
    if (this.stopped) {
      // stop() ran while the files were being read: this stream must not outlive it.
      upstream.close();
      return;
    }
    this.current = upstream;
    const { call } = upstream;
    call.on('data', (response: XdsMessage) => {
      void this.onResponse(call, response).catch((error: unknown) => this.logger.error({ err: error }, 'writing the certificate files failed'));
    });
    call.on('error', () => undefined); // reported through 'status'
    call.on('status', (status: { code: number; details: string }) => {
      if (this.current === upstream) this.current = undefined;
      if (this.stopped) return;
      this.logger.warn({ code: status.code, details: status.details }, 'the SDS stream to meshgate ended; reconnecting');
      this.emit('lost', status);
      this.reopenLater();
    });
    call.write({ node: agentNode(this.config), type_url: SECRET_TYPE, resource_names: NAMES });
  }

  private reopenLater(): void {
    this.retry = setTimeout(() => {
      if (this.stopped) return;
      this.open().catch((error: unknown) => {
        this.logger.error({ err: error }, 'reconnecting to meshgate failed; will retry');
        this.reopenLater();
      });
    }, this.retryMs);
    this.retry.unref();
  }

  private async onResponse(call: AdsCall, response: XdsMessage): Promise<void> {
    const material = materialOf(response);
    if (material && material.certificateChain + material.trustBundle !== this.lastWritten) {
      await writeCertificateMaterial(this.config.certificateDir, material);
      this.lastWritten = material.certificateChain + material.trustBundle;
      this.logger.info({ directory: this.config.certificateDir }, 'certificate files written from SDS');
      this.emit('written', material);
    }
    call.write({ type_url: SECRET_TYPE, resource_names: NAMES, version_info: response.version_info, response_nonce: response.nonce });
  }
}
