/**
 * The mTLS xDS port's credentials: a server certificate issued by meshgate's own CA for the xds
 * service's identity (by default `spiffe://<trust-domain>/ns/meshgate-system/sa/meshgate-xds`,
 * DNS `meshgate-xds.meshgate-system.<trust-domain>`, as istiod holds one for
 * `istiod.istio-system`), renewed once half its lifetime has passed, and the trust bundle as
 * the CAs client certificates must chain to (refreshed on a root rotation). grpc-js applies a
 * new secure context to the listening server without closing it (`updateSecureContextOptions`).
 */
import * as grpc from '@grpc/grpc-js';
import type { SecureContextOptions } from 'node:tls';
import { CaError, type CertificateAuthority, type Identity } from '@meshgate/ca';
import type { Logger } from 'pino';
import { certificateChainPem } from './sds-secrets.js';

/** grpc-js ServerCredentials whose secure context can be replaced while the server runs. */
class RenewableServerCredentials extends grpc.ServerCredentials {
  constructor(context: SecureContextOptions) {
    // requestCert + Node's default rejectUnauthorized: a client without a certificate that
    // chains to `ca` fails the handshake.
    super({ requestCert: true, rejectUnauthorized: true }, context);
  }

  replace(context: SecureContextOptions): void {
    this.updateSecureContextOptions(context);
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export const DEFAULT_XDS_SERVER_IDENTITY: Identity = { namespace: 'meshgate-system', serviceAccount: 'meshgate-xds' };

export interface XdsServerCertificateOptions {
  ca: CertificateAuthority;
  logger: Logger;
  identity?: Identity;
  /** Renew once this fraction of the lifetime has passed; default 0.5. */
  renewFraction?: number;
  /** How often to look at the bundle and the certificate's age; default 5000 ms. */
  checkIntervalMs?: number;
  now?: () => number;
}

export class XdsServerCertificate {
  readonly identity: Identity;
  private credentials?: RenewableServerCredentials;
  private renewAt = 0;
  private bundleVersion = '';
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: XdsServerCertificateOptions) {
    this.identity = options.identity ?? DEFAULT_XDS_SERVER_IDENTITY;
    this.now = options.now ?? Date.now;
  }

  /**
   * Issues the first certificate and returns the credentials to bind the secure port with. A CA
   * that does not answer yet (the processes of a deployment start in any order) is retried with
   * a growing pause, a warning each time, until it answers or `stop()` is called.
   */
  async start(): Promise<grpc.ServerCredentials> {
    const context = await this.issueWhenTheCaAnswers();
    this.credentials = new RenewableServerCredentials(context);
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs ?? 5000);
    this.timer.unref();
    return this.credentials;
  }

  private async issueWhenTheCaAnswers(): Promise<SecureContextOptions> {
    for (let pauseMs = 250; ; pauseMs = Math.min(pauseMs * 2, 5000)) {
      try {
        return await this.issue();
      } catch (error) {
        if (this.stopped || !(error instanceof CaError && error.code === 'MG_ERR_CA_UNAVAILABLE')) throw error;
        this.options.logger.warn({ err: error.message, retryInMs: pauseMs }, 'the CA does not answer yet; the mTLS xDS port waits for its certificate');
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.checking ?? Promise.resolve();
  }

  /** Renews when due or when the trust bundle changed; one check at a time. */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    try {
      const bundle = await this.options.ca.trustBundle();
      if (this.now() < this.renewAt && bundle.version === this.bundleVersion) return;
      const context = await this.issue();
      this.credentials?.replace(context);
    } catch (error) {
      this.options.logger.error({ err: error }, 'renewing the xDS server certificate failed; will retry');
    }
  }

  private async issue(): Promise<SecureContextOptions> {
    const bundle = await this.options.ca.trustBundle();
    const issued = await this.options.ca.issue({ identity: this.identity, reason: this.credentials ? 'renewal' : 'api' });
    if (!issued.privateKeyPem) throw new Error('the CA returned the xDS server certificate without its private key');
    const notBefore = Date.parse(issued.info.notBefore);
    const notAfter = Date.parse(issued.info.notAfter);
    const start = Math.max(notBefore, Math.min(this.now(), notAfter));
    this.renewAt = start + (this.options.renewFraction ?? 0.5) * (notAfter - start);
    this.bundleVersion = bundle.version;
    this.options.logger.info({ serial: issued.info.serialHex, dnsNames: issued.info.dnsNames, uris: issued.info.uris, notAfter: issued.info.notAfter }, 'xDS server certificate issued');
    return { cert: certificateChainPem(issued.certificatePem, issued.chainPem), key: issued.privateKeyPem, ca: bundle.pem };
  }
}
