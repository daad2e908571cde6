/**
 * Debian's nginx as a test peer: a configuration of the test's own, rendered into a temporary
 * prefix (config, pid, logs, temp paths), run in the foreground as a child of the test, stopped
 * gracefully (SIGQUIT, as `nginx -s quit`). The system configuration is never read or touched.
 *
 * Only what the e2e scenarios need is rendered: HTTP/2 cleartext servers on loopback whose
 * locations `grpc_pass` to a backend, optionally over TLS with a client certificate, from a
 * chosen source address (`grpc_bind`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const NGINX_BINARY = '/usr/sbin/nginx';

/** The nginx binary, or an error saying how to install it (.ci/run does): the tests never skip. */
export function nginxBinary(): string {
  if (!existsSync(NGINX_BINARY)) {
    throw new Error(`${NGINX_BINARY} not found: this test runs Debian's nginx; install it with \`apt-get install -y nginx\` (.ci/run does)`);
  }
  return NGINX_BINARY;
}

/** TLS to the upstream: the client certificate nginx presents and how it verifies the server. */
export interface UpstreamTls {
  certificateFile: string;
  certificateKeyFile: string;
  trustedCertificateFile: string;
  verify: boolean;
  /** The name verified in the server's certificate and sent as SNI. */
  serverName?: string;
}

export interface NginxLocation {
  /** `/` or another path; `exact` renders `location = PATH`. */
  path: string;
  exact?: boolean;
  /** `grpcs` needs `tls`. */
  scheme: 'grpc' | 'grpcs';
  /** `ip:port` of the backend. */
  upstream: string;
  /** The source address of upstream connections (`grpc_bind`). */
  bind?: string;
  tls?: UpstreamTls;
}

export interface NginxServer {
  /** For the config's comments and failure messages. */
  name: string;
  /** A loopback address and port; the server speaks HTTP/2 cleartext (h2c), as gRPC clients without TLS do. */
  listen: { host: string; port: number };
  locations: NginxLocation[];
}

/** A value inside a directive: quoted, so paths and names with odd characters stay one argument. */
function quoted(value: string): string {
  if (/["\\\n;{}]/.test(value)) throw new Error(`refusing to render ${JSON.stringify(value)} into an nginx configuration`);
  return `"${value}"`;
}

function renderLocation(location: NginxLocation): string {
  if (location.scheme === 'grpcs' && !location.tls) throw new Error(`location ${location.path}: grpcs needs upstream TLS settings`);
  const lines = [`grpc_pass ${location.scheme}://${location.upstream};`];
  if (location.bind) lines.push(`grpc_bind ${location.bind};`);
  const tls = location.tls;
  if (location.scheme === 'grpcs' && tls) {
    lines.push(
      `grpc_ssl_certificate ${quoted(tls.certificateFile)};`,
      `grpc_ssl_certificate_key ${quoted(tls.certificateKeyFile)};`,
      `grpc_ssl_trusted_certificate ${quoted(tls.trustedCertificateFile)};`,
      `grpc_ssl_verify ${tls.verify ? 'on' : 'off'};`,
    );
    if (tls.serverName) lines.push(`grpc_ssl_name ${quoted(tls.serverName)};`, 'grpc_ssl_server_name on;');
  }
  const match = location.exact ? `= ${location.path}` : location.path;
  return `    location ${match} {\n${lines.map((line) => `      ${line}`).join('\n')}\n    }`;
}

/** The whole configuration, every path absolute under `prefix`. */
export function renderNginxConfig(prefix: string, servers: NginxServer[]): string {
  const at = (name: string) => quoted(path.join(prefix, name));
  const serverBlocks = servers.map(
    (server) => `  # ${server.name}
  server {
    listen ${server.listen.host}:${server.listen.port} http2;
${server.locations.map(renderLocation).join('\n')}
  }`,
  );
  return `# Rendered by the meshgate e2e tests; run with: nginx -c <this file> -p ${prefix}
daemon off;
master_process on;
worker_processes 1;
pid ${at('nginx.pid')};
error_log ${at('error.log')} info;

events {
  worker_connections 64;
}

http {
  access_log ${at('access.log')};
  client_body_temp_path ${at('temp/client_body')};
  proxy_temp_path ${at('temp/proxy')};
  fastcgi_temp_path ${at('temp/fastcgi')};
  uwsgi_temp_path ${at('temp/uwsgi')};
  scgi_temp_path ${at('temp/scgi')};

${serverBlocks.join('\n\n')}
}
`;
}

export interface RunningNginx {
  /** The temporary prefix: configuration, pid, logs. */
  prefix: string;
  configFile: string;
  /** nginx's error log and what it printed, for failure messages. */
  diagnostics(): Promise<string>;
  /** SIGQUIT (graceful, `nginx -s quit`) and wait for the exit; removes the prefix. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Renders `servers` into a fresh prefix, starts nginx with it and resolves once every server
 * accepts connections; fails with nginx's output and error log if it exits or the deadline
 * passes. Certificate and key files are read by the master process when it loads the
 * configuration, so they may stay in a directory only the test's user can read.
 */
export async function startNginx(servers: NginxServer[], deadlineMs = 15000): Promise<RunningNginx> {
  const binary = nginxBinary();
  const prefix = await mkdtemp(path.join(tmpdir(), 'meshgate-nginx-'));
  // As root, nginx's workers run as nobody and must reach the temp paths under the prefix.
  await chmod(prefix, 0o755);
  await mkdir(path.join(prefix, 'temp'));
  const configFile = path.join(prefix, 'nginx.conf');
  await writeFile(configFile, renderNginxConfig(prefix, servers));

  const child = spawn(binary, ['-c', configFile, '-p', `${prefix}/`, '-e', path.join(prefix, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let spawnError: Error | undefined;
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.once('error', (error) => (spawnError = error));

  const diagnostics = async () => {
    const errorLog = await readFile(path.join(prefix, 'error.log'), 'utf8').catch(() => '(no error.log)');
    return `--- nginx output ---\n${output}\n--- ${path.join(prefix, 'error.log')} ---\n${errorLog}`;
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && spawnError === undefined) {
      child.kill('SIGQUIT');
      const quit = await Promise.race([exited(child).then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10000).unref())]);
      // A graceful quit waits for open requests; none should be left, but nginx must never outlive the test.
      if (!quit) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    await rm(prefix, { recursive: true, force: true });
  };

  const until = Date.now() + deadlineMs;
  const listening = servers.map((server) => server.listen);
  for (;;) {
    let problem: string | undefined;
    if (spawnError) problem = `nginx could not be started: ${spawnError.message}`;
    else if (child.exitCode !== null || child.signalCode !== null) problem = `nginx exited (${child.exitCode ?? child.signalCode})`;
    else if (Date.now() > until) problem = `nginx did not accept on ${listening.map((l) => `${l.host}:${l.port}`).join(', ')} within ${deadlineMs} ms`;
    if (problem) {
      const details = await diagnostics();
      await stop();
      throw new Error(`${problem}\n${details}`);
    }
    const ready = await Promise.all(listening.map((l) => accepts(l.host, l.port)));
    if (ready.every(Boolean)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { prefix, configFile, diagnostics, stop };
}
