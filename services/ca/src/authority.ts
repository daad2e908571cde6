/**
 * The certificate authority: the issue / sign / rotate operations of the `CertificateAuthority`
 * contract. Which signer is active and which roots are trusted is the `RootOfTrust`'s business
 * (root-of-trust.ts); this module checks requests, issues leaves and records them.
 *
 * Every certificate handed out has first been recorded as a `CertificateIssued` event; when the
 * event cannot be written, the caller gets MG_ERR_CA_UNAVAILABLE and no certificate. Requests
 * are checked completely before anything is generated, signed or written.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Bus } from '@meshgate/bus';
import type { EventStore } from '@meshgate/eventlog';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { formatDuration, parseGoDuration, parseValidity } from './duration.js';
import { SecretCipher } from '@meshgate/secrets';
import { EventAppender } from './event-appender.js';
import { ExpiryTracker } from './expiry-tracker.js';
import { identityNames, TrustDomainPolicy, validateIdentity, type LeafNames } from './identity.js';
import { caMetrics, type CaMetrics, type ExpirySource } from './metrics.js';
import { checkKeyAlgorithm, checkReason } from './requests.js';
import { RootOfTrust } from './root-of-trust.js';
import { signerFingerprint, type Signer, type SignerMaterial } from './signer.js';
import { SignerStore } from './signer-store.js';
import {
  CaError,
  CERTIFICATE_ISSUED,
  certificateStreamId,
  isKeyAlgorithm,
  type CertificateAuthority,
  type CertificateInfo,
  type CertificateIssuedData,
  type IssuedCertificate,
  type IssueReason,
  type IssueRequest,
  type KeyAlgorithm,
  type SignCsrRequest,
  type TrustBundle,
} from './types.js';
import { generateKeyPair } from './x509/algorithms.js';
import { buildCertificate, OID_COMMON_NAME, type NameAttribute } from './x509/certificate-builder.js';
import { parseAndVerifyCsr } from './x509/csr.js';

export const DEFAULT_VALIDITY = '24h';
export const DEFAULT_MAX_VALIDITY = '720h';
export const DEFAULT_ROOT_VALIDITY = '87600h'; // ten years
/** notBefore is set this far back, so that a peer whose clock lags still accepts a fresh certificate. */
export const BACKDATE_MS = 60_000;
/** X.509 caps a commonName at 64 characters; longer DNS names go in the SAN only. */
const MAX_COMMON_NAME = 64;

export interface CaOptions {
  store: EventStore;
  /** Rung after every append (the doorbell says "the log advanced"); optional in tests and benches. */
  bus?: Pick<Bus, 'ringDoorbell'>;
  /** 32 bytes: AES-256-GCM key for the CA's private keys at rest (see `loadEncryptionKey`). */
  encryptionKey: Buffer;
  trustDomain: string;
  /** Key algorithm of roots the CA generates (first start and rotations). Default ECDSA_P256. */
  rootKeyAlgorithm?: KeyAlgorithm;
  /** Go-style durations. */
  rootValidity?: string;
  defaultValidity?: string;
  maxValidity?: string;
  /** An operator's root or intermediate (see `materialFromOperatorPem`): it becomes the active signer. */
  operatorSigner?: SignerMaterial;
  logger?: Logger;
  registry?: Registry;
  /** The clock and the randomness of serials, passed in so that tests control them. */
  now?: () => Date;
  randomBytes?: (size: number) => Buffer;
}

function configDuration(text: string, name: string): number {
  const parsed = parseGoDuration(text);
  if (!parsed.ok) throw new CaError('MG_ERR_CA_CONFIG', `${name} "${text}" ${parsed.reason}`, name);
  if (parsed.ms < 1000) throw new CaError('MG_ERR_CA_CONFIG', `${name} "${text}" must be at least one second`, name);
  return parsed.ms;
}

/** Dates in certificates have whole seconds; the reported ones must match what was signed. */
function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

export class MeshCa implements CertificateAuthority {
  readonly trustDomain: string;
  private readonly policy: TrustDomainPolicy;
  private readonly appender: EventAppender;
  private readonly logger: Logger;
  private readonly metrics: CaMetrics;
  private readonly expiries = new ExpiryTracker();
  private readonly expirySource: ExpirySource;
  private readonly now: () => Date;
  private readonly randomBytes: (size: number) => Buffer;
  private readonly defaultValidity: string;
  private readonly maxValidityMs: number;

  private constructor(
    options: CaOptions,
    private readonly roots: RootOfTrust,
    context: { policy: TrustDomainPolicy; logger: Logger; now: () => Date; randomBytes: (size: number) => Buffer; defaultValidity: string; maxValidityMs: number },
  ) {
    this.trustDomain = options.trustDomain;
    this.policy = context.policy;
    this.logger = context.logger;
    this.appender = new EventAppender(options.store, options.bus, this.logger);
    this.metrics = caMetrics(options.registry ?? new Registry());
    this.now = context.now;
    this.randomBytes = context.randomBytes;
    this.defaultValidity = context.defaultValidity;
    this.maxValidityMs = context.maxValidityMs;
    this.expirySource = () => this.secondsUntilEarliestExpiry();
    this.metrics.expirySources.add(this.expirySource);
  }

  /**
   * Opens the CA on its store: adopts the trust bundle recorded there, or creates the first root
   * (or installs the operator's signer). Fails with MG_ERR_CA_CONFIG on bad settings, or when the
   * stored CA key does not decrypt with `encryptionKey`.
   */
  static async open(options: CaOptions): Promise<MeshCa> {
    const policy = new TrustDomainPolicy(options.trustDomain); // refuses a trust domain that is not a DNS name
    const rootKeyAlgorithm = options.rootKeyAlgorithm ?? 'ECDSA_P256';
    if (!isKeyAlgorithm(rootKeyAlgorithm)) {
      throw new CaError('MG_ERR_CA_CONFIG', `rootKeyAlgorithm "${String(rootKeyAlgorithm)}" is not one of ECDSA_P256, RSA_2048, RSA_4096`, 'rootKeyAlgorithm');
    }
    const defaultValidity = options.defaultValidity ?? DEFAULT_VALIDITY;
    configDuration(defaultValidity, 'defaultValidity');
    const context = {
      policy,
      logger: options.logger ?? pino({ level: 'silent' }),
      now: options.now ?? (() => new Date()),
      randomBytes: options.randomBytes ?? nodeRandomBytes,
      defaultValidity,
      maxValidityMs: configDuration(options.maxValidity ?? DEFAULT_MAX_VALIDITY, 'maxValidity'),
    };
    const roots = await RootOfTrust.open({
      store: options.store,
      signers: new SignerStore(options.store, new SecretCipher(options.encryptionKey)),
      bus: options.bus,
      logger: context.logger,
      trustDomain: policy.trustDomain,
      rootKeyAlgorithm,
      rootValidityMs: configDuration(options.rootValidity ?? DEFAULT_ROOT_VALIDITY, 'rootValidity'),
      backdateMs: BACKDATE_MS,
      operatorSigner: options.operatorSigner,
      now: context.now,
      randomBytes: context.randomBytes,
    });
    return new MeshCa(options, roots, context);
  }

  // ---------------------------------------------------------------- CertificateAuthority

  async trustBundle(): Promise<TrustBundle> {
    return this.roots.bundleAt(this.now());
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    const started = performance.now();
    const reason = checkReason(request.reason);
    const names = this.requestedNames(request);
    const validityMs = this.validityOf(request.validity);
    const keyAlgorithm = checkKeyAlgorithm(request.keyAlgorithm ?? 'ECDSA_P256');
    const { privateKey, publicKey } = await generateKeyPair(keyAlgorithm);
    const issued = await this.signLeaf(names, publicKey.export({ type: 'spki', format: 'der' }), validityMs, reason, started);
    // The caller asked for a key: this response is the only place it ever appears.
    return { ...issued, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }

  async signCsr(request: SignCsrRequest): Promise<IssuedCertificate> {
    const started = performance.now();
    const reason = checkReason(request.reason);
    if (typeof request.csrPem !== 'string' || request.csrPem.trim() === '') throw new CaError('MG_ERR_CA_INVALID_CSR', 'csr is empty', 'csr');
    const validityMs = this.validityOf(request.validity);
    const csr = await parseAndVerifyCsr(request.csrPem);
    const names = this.policy.checkRequested(csr.sans, 'csr');
    return this.signLeaf(names, csr.subjectPublicKeyInfo, validityMs, reason, started);
  }

  async rotateRoot(): Promise<TrustBundle> {
    await this.roots.rotate();
    this.metrics.rootRotations.inc();
    return this.trustBundle();
  }

  async dropInactiveRoots(): Promise<TrustBundle> {
    await this.roots.dropInactive();
    return this.trustBundle();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Picks up a bundle another CA process wrote (a rotation elsewhere). Cheap when nothing
   * changed: one read of the stream's version. The service calls it when the doorbell rings.
   */
  refresh(): Promise<boolean> {
    return this.roots.refresh();
  }

  /** The CA stops recording: waits for the events in flight. The store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.metrics.expirySources.delete(this.expirySource);
    await this.appender.drain();
  }

  /** Fingerprint of the certificate that signs new leaves. */
  get activeSignerFingerprint(): string {
    return signerFingerprint(this.roots.signer);
  }

  // ---------------------------------------------------------------- issuing

  private validityOf(validity: unknown): number {
    if (validity === undefined || validity === '') return parseValidity(this.defaultValidity, this.maxValidityMs);
    if (typeof validity !== 'string') throw new CaError('MG_ERR_CA_BAD_DURATION', 'validity must be a duration string such as "24h"', 'validity');
    return parseValidity(validity, this.maxValidityMs);
  }

  private requestedNames(request: IssueRequest): LeafNames {
    const hasIdentity = request.identity !== undefined;
    const hasDnsNames = request.dnsNames !== undefined && request.dnsNames.length > 0;
    if (hasIdentity === hasDnsNames) {
      throw new CaError('MG_ERR_CA_BAD_REQUEST', 'give either identity (serviceAccount and namespace) or dnsNames', 'identity');
    }
    if (request.identity !== undefined) {
      validateIdentity(request.identity, 'identity');
      return identityNames(request.identity, this.trustDomain);
    }
    const dnsNames = (request.dnsNames ?? []).map((name, i) => this.policy.checkDnsName(name, `dnsNames[${i}]`));
    return { dnsNames: [...new Set(dnsNames)], uris: [] };
  }

  private async signLeaf(names: LeafNames, subjectPublicKeyInfo: Buffer, validityMs: number, reason: IssueReason, started: number): Promise<IssuedCertificate> {
    const signer = this.roots.signer;
    const now = this.now().getTime();
    const notBefore = wholeSeconds(now - BACKDATE_MS);
    // A leaf never outlives the certificate that signs it.
    const notAfter = wholeSeconds(Math.min(now + validityMs, signer.notAfter.getTime()));
    const commonName = names.dnsNames[0];
    const subject: NameAttribute[] = commonName !== undefined && commonName.length <= MAX_COMMON_NAME ? [{ type: OID_COMMON_NAME, value: commonName }] : [];
    const certificate = await buildCertificate(
      { serial: this.randomBytes(16), subject, notBefore, notAfter, subjectPublicKeyInfo, profile: { kind: 'leaf', ...names } },
      signer.signing,
    );
    const info: CertificateInfo = {
      serialHex: certificate.serialHex,
      subject: subject.length > 0 ? `CN=${commonName}` : '',
      dnsNames: names.dnsNames,
      uris: names.uris,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      fingerprintSha256: certificate.fingerprintSha256,
    };
    await this.record(info, reason, signer);

    this.expiries.add(notAfter.getTime());
    this.metrics.issued.inc({ reason });
    this.metrics.issuanceDuration.observe((performance.now() - started) / 1000);
    this.logger.debug({ serialHex: info.serialHex, dnsNames: info.dnsNames, uris: info.uris, notAfter: info.notAfter, validity: formatDuration(validityMs), reason }, 'certificate issued');
    return { info, certificatePem: certificate.pem, chainPem: signer.chainPem, caPem: (await this.trustBundle()).pem };
  }

  private async record(info: CertificateInfo, reason: IssueReason, signer: Signer): Promise<void> {
    const data: CertificateIssuedData = {
      ...info,
      reason,
      issuerFingerprintSha256: signerFingerprint(signer),
      rootFingerprintSha256: signer.root.info.fingerprintSha256,
    };
    try {
      // expectedVersion 0: a serial is never reused; a collision fails loudly instead of merging two certificates' histories.
      await this.appender.append({ streamId: certificateStreamId(info.serialHex), type: CERTIFICATE_ISSUED, data, expectedVersion: 0 });
    } catch (error) {
      this.logger.error({ err: error, serialHex: info.serialHex }, 'could not record an issued certificate; it is not handed out');
      throw new CaError('MG_ERR_CA_UNAVAILABLE', 'the issuance could not be recorded in the event log, so no certificate was issued; retry later');
    }
  }

  private secondsUntilEarliestExpiry(): number | undefined {
    const now = this.now();
    const candidates = [this.expiries.earliestAfter(now.getTime()), ...this.roots.bundleAt(now).roots.map((r) => Date.parse(r.notAfter))];
    const earliest = Math.min(...candidates.filter((v): v is number => v !== undefined));
    return Number.isFinite(earliest) ? (earliest - now.getTime()) / 1000 : undefined;
  }
}

/** Opens a CA (see `MeshCa.open`). */
export function createCa(options: CaOptions): Promise<MeshCa> {
  return MeshCa.open(options);
}
