/** The real certificate authority of services/ca, on the test's event store, and what it recorded. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { CERTIFICATE_ISSUED, createCa, createCsr, generateKeyPair, isIssueReason, type IssueReason, type MeshCa } from '@meshgate/ca';
import type { EventStore } from '@meshgate/eventlog';
import type { ClientTls } from './ads-client.js';

const run = promisify(execFile);

export function openTestCa(store: EventStore, defaultValidity = '1h'): Promise<MeshCa> {
  return createCa({ store, encryptionKey: randomBytes(32), trustDomain: 'cluster.local', defaultValidity });
}

export interface IssuedRecord {
  dnsNames: string[];
  serialHex: string;
  reason: IssueReason;
}

/** The CertificateIssued events in the log, oldest first. */
export async function issuedRecords(store: EventStore): Promise<IssuedRecord[]> {
  const records: IssuedRecord[] = [];
  for (const event of await store.readAfter(0, 100_000)) {
    if (event.type !== CERTIFICATE_ISSUED) continue;
    const data = event.data;
    if (typeof data !== 'object' || data === null) throw new Error(`CertificateIssued #${event.sequence} has no data`);
    const { dnsNames, serialHex, reason } = data as Record<string, unknown>;
    if (!Array.isArray(dnsNames) || typeof serialHex !== 'string' || !isIssueReason(reason)) throw new Error(`CertificateIssued #${event.sequence} is malformed`);
    records.push({ dnsNames: dnsNames.map(String), serialHex, reason });
  }
  return records;
}

/** The reasons recorded for one identity's DNS SAN (`<sa>.<ns>.cluster.local`), oldest first. */
export async function reasonsFor(store: EventStore, dnsName: string): Promise<IssueReason[]> {
  return (await issuedRecords(store)).filter((r) => r.dnsNames.includes(dnsName)).map((r) => r.reason);
}

/** A self-signed root from another authority (openssl), for checks that must fail. */
export async function strangerRootPem(): Promise<string> {
  const { stdout } = await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=stranger', '-days', '1']);
  return stdout;
}

/**
 * A client certificate for `identity` from the CA, as a proxy on the mTLS port holds one. It
 * carries the SPIFFE ID only (a CSR), so that the DNS-name filters of `reasonsFor` see only what
 * SDS issued.
 */
export async function clientTlsFor(ca: MeshCa, identity: { serviceAccount: string; namespace: string }): Promise<ClientTls> {
  const { privateKey, publicKey } = await generateKeyPair('ECDSA_P256');
  const csrPem = await createCsr({ privateKey, publicKey, uris: [`spiffe://cluster.local/ns/${identity.namespace}/sa/${identity.serviceAccount}`] });
  const issued = await ca.signCsr({ csrPem, reason: 'csr' });
  return { certificateChain: issued.certificatePem + issued.chainPem, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), trustBundle: issued.caPem };
}
