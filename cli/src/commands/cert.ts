/**
 * `meshgate cert get NAMESPACE/NAME --out DIR`: a published TLS secret (such as the client
 * certificate a MeshConfig's `certificate.ingressGateway` asks for) as `tls.crt`, `tls.key`,
 * `ca.crt` — what an ingress controller mounts.
 *
 * `meshgate cert files --identity SA.NS --out DIR`: a fresh certificate for a mesh identity as
 * `cert.pem`, `key.pem`, `ca.pem` for a proxyless gRPC node's `file_watcher` certificate provider,
 * and the bootstrap fragment that points at them.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Identity } from '@meshgate/ca';
import { CaRestClient } from '../ca-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { ensureDirectory, replaceFile } from '../files.js';

const TLS_CERTIFICATE = 'tls.crt';
const TLS_KEY = 'tls.key';
const CA_CERTIFICATE = 'ca.crt';

/** `osm-system/osm-nginx-client-cert` → its parts. */
export function parseSecretRef(text: string): { namespace: string; name: string } {
  const parts = text.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new CliError(`error: expected NAMESPACE/NAME, e.g. osm-system/osm-nginx-client-cert; got "${text}"`);
  }
  return { namespace: parts[0], name: parts[1] };
}

/**
 * `bookbuyer.bookstore` → service account `bookbuyer`, namespace `bookstore`. A namespace has no
 * dots (a DNS label) while a service account may, so the last dot separates them.
 */
export function parseIdentity(text: string): Identity {
  const dot = text.lastIndexOf('.');
  if (dot <= 0 || dot === text.length - 1) throw new CliError(`error: --identity expects SERVICE_ACCOUNT.NAMESPACE, e.g. bookbuyer.bookstore; got "${text}"`);
  return { serviceAccount: text.slice(0, dot), namespace: text.slice(dot + 1) };
}

interface GetOptions {
  out: string;
}

interface FilesOptions {
  identity: string;
  out: string;
  validity?: string;
}

export function registerCertCommand(program: Command, context: CliContext): void {
  const cert = program.command('cert').description('Certificates: the secrets meshgate publishes, and certificate files for proxyless gRPC');

  cert
    .command('get')
    .description('Write a published TLS secret (e.g. the MeshConfig ingress gateway certificate) as tls.crt, tls.key (0600) and ca.crt')
    .argument('<namespace/name>', 'the secret, e.g. osm-system/osm-nginx-client-cert')
    .requiredOption('--out <dir>', 'directory to write the files into (created 0700 if missing)')
    .action(async (ref: string, options: GetOptions, command: Command) =>
      runAction(context, async () => {
        const { namespace, name } = parseSecretRef(ref);
        const ca = new CaRestClient(clientFor(command, context));
        const secret = await ca.secret(namespace, name);
        const missing = [TLS_CERTIFICATE, TLS_KEY, CA_CERTIFICATE].filter((key) => secret.data[key] === undefined);
        if (missing.length > 0) throw new CliError(`error: secret ${namespace}/${name} has no ${missing.join(', ')} (type ${secret.type})`);
        const dir = path.resolve(context.cwd, options.out);
        await ensureDirectory(dir);
        const files = { certificate: path.join(dir, TLS_CERTIFICATE), key: path.join(dir, TLS_KEY), ca: path.join(dir, CA_CERTIFICATE) };
        // The key first: a new certificate never sits next to an old key for longer than a rename.
        await replaceFile(files.key, secret.data[TLS_KEY], 0o600);
        await replaceFile(files.certificate, secret.data[TLS_CERTIFICATE], 0o644);
        await replaceFile(files.ca, secret.data[CA_CERTIFICATE], 0o644);
        context.stdout(`${files.certificate}\n${files.key}\n${files.ca}\n`);
      }),
    );

  cert
    .command('files')
    .description("Issue a certificate for a mesh identity and write cert.pem, key.pem (0600) and ca.pem for grpc-js-xds's file_watcher provider; prints the bootstrap fragment")
    .requiredOption('--identity <sa.namespace>', 'the mesh identity, SERVICE_ACCOUNT.NAMESPACE, e.g. bookbuyer.bookstore')
    .requiredOption('--out <dir>', 'directory to write the files into (created 0700 if missing)')
    .option('--validity <duration>', "lifetime, a Go duration such as 24h (default: the CA's)")
    .action(async (options: FilesOptions, command: Command) =>
      runAction(context, async () => {
        const identity = parseIdentity(options.identity);
        const ca = new CaRestClient(clientFor(command, context));
        const dir = path.resolve(context.cwd, options.out);
        // Loaded here, not at start-up: the xds package is heavy and only this command needs it.
        const { bootstrapCertificateProviders, writeCertificateFiles } = await import('@meshgate/xds');
        const written = await writeCertificateFiles(ca, identity, dir, { validity: options.validity });
        context.stderr(
          `wrote ${written.certificateFile}, ${written.privateKeyFile} and ${written.caCertificateFile} ` +
            `(serial ${written.info.serialHex}, valid until ${written.info.notAfter}); run this again before then, or after \`meshgate ca rotate\`\n`,
        );
        context.stdout(`${JSON.stringify(bootstrapCertificateProviders(dir), null, 2)}\n`);
      }),
    );
}
