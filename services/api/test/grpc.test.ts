/**
 * The api's gRPC services (meshgate.v1.Resources, Events, Proxies) with @grpc/grpc-js as the
 * client, against the api over PGlite and the in-process bus: the same answers as REST — the same
 * objects, the same refusals with the same field paths (as google.rpc.BadRequest violations in
 * `grpc-status-details-bin`), nothing written when refused — the same token scopes, and server
 * reflection listing the services.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Credentials, parseTokensFile } from '@meshgate/auth';
import { connectMeshgate, errorDetailsOf, MeshgateGrpcError, serviceConstructor, type MeshgateClient } from '@meshgate/grpc-api';
import { reflectionServices, TEST_API_TOKEN } from '@meshgate/testkit';
import { HTTPBIN_YAML, yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

const READ_ONLY = 'read-only-token-0123456789abcdef';
const WRITE_ONLY = 'write-only-token-0123456789abcdef';
const TOKENS = `
- name: reader
  token: ${READ_ONLY}
  scopes: [read]
- name: writer
  token: ${WRITE_ONLY}
  scopes: [write]
`;

const PROXY = { id: 'ingress-1', node: { id: 'ingress-1', role: 'ingress-gateway' }, connectedAt: '2025-01-01T00:00:00.000Z', types: { Listener: { sentVersion: 'a', ackedVersion: 'a' } } };
const PROXY_CONFIG = { Listener: [{ name: 'listener_0', address: { socket_address: { address: '0.0.0.0', port_value: 8080 } } }] };

/** Two bad documents and a good one: a namespace name Kubernetes refuses, a port that is no number. */
const INVALID_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: Not_Valid
---
apiVersion: v1
kind: Namespace
metadata:
  name: fine
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: fine
spec:
  ports:
  - port: "eighty"
`;

/** Resolves to the MeshgateGrpcError a call failed with; fails when it did not fail. */
async function refusal(promise: Promise<unknown>): Promise<MeshgateGrpcError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MeshgateGrpcError, String(error));
    return error;
  }
  assert.fail('the call succeeded');
}

let h: Harness;
let client: MeshgateClient;
const clients: MeshgateClient[] = [];
function connect(token?: string): MeshgateClient {
  const connected = connectMeshgate(h.grpcAddress ?? '', { token });
  clients.push(connected);
  return connected;
}

before(async () => {
  h = await startHarness({
    grpc: true,
    consumeChanges: false,
    credentials: Credentials.adminToken(TEST_API_TOKEN, parseTokensFile(TOKENS, 'tokens')),
    proxies: { list: () => [PROXY], config: (id) => (id === PROXY.id ? PROXY_CONFIG : undefined) },
  });
  client = connect(TEST_API_TOKEN);
});
after(async () => {
  for (const connected of clients) connected.close();
  await h?.close();
});

describe('Resources', () => {
  it('applies documents, and gets, lists and deletes what was applied', async () => {
    const applied = await client.resources.apply({ documents: HTTPBIN_YAML });
    assert.deepEqual(
      applied.results.map((result) => `${result.kind} ${result.namespace}/${result.name} ${result.action}`),
      ['Namespace /default created', 'Service default/httpbin created', 'Endpoints default/httpbin created', 'Gateway default/httpbin-gateway created', 'VirtualService default/httpbin created'],
    );
    assert.equal(applied.sequence, await h.store.headSequence());
    assert.equal((await client.resources.apply({ documents: HTTPBIN_YAML })).results.every((result) => result.action === 'unchanged'), true);

    const got = await client.resources.get({ kind: 'virtualservices', namespace: 'default', name: 'httpbin' });
    const rest = await h.inject({ method: 'GET', url: '/v1/resources/virtualservices/default/httpbin' });
    assert.deepEqual(got.object, rest.json(), 'the object as REST shows it');
    assert.equal(got.sequence, applied.sequence);
    assert.deepEqual((await client.resources.get({ kind: 'Namespace', namespace: '', name: 'default' })).object.kind, 'Namespace');

    const listed = await client.resources.list({ kind: 'Service' });
    assert.deepEqual(listed.items, (await h.inject({ method: 'GET', url: '/v1/resources/services' })).json<{ items: unknown[] }>().items);
    assert.equal((await client.resources.list()).items.length, 5);
    assert.equal((await client.resources.list({ kind: 'Service', namespace: 'elsewhere' })).items.length, 0);

    const deleted = await client.resources.delete({ kind: 'Service', namespace: 'default', name: 'httpbin' });
    assert.deepEqual(deleted.result, { kind: 'Service', namespace: 'default', name: 'httpbin', action: 'deleted' });
    const [event] = (await client.events.read({ after: deleted.sequence - 1 })).events;
    assert.equal(event.type, 'ResourceDeleted');
    assert.equal((event.data as { source: string }).source, 'api-grpc', 'the event says the change came through gRPC');

    const gone = await refusal(client.resources.get({ kind: 'Service', namespace: 'default', name: 'httpbin' }));
    assert.equal(gone.status, grpc.status.NOT_FOUND);
    assert.equal(gone.code, 'MG_ERR_NOT_FOUND');
    assert.match(gone.message, /Service default\/httpbin not found/);
    assert.equal((await refusal(client.resources.delete({ kind: 'Service', namespace: 'default', name: 'httpbin' }))).status, grpc.status.NOT_FOUND);
  });

  it('refuses invalid documents with INVALID_ARGUMENT and the REST field paths as BadRequest violations; nothing is written', async () => {
    const head = await h.store.headSequence();
    const error = await refusal(client.resources.apply({ documents: INVALID_YAML }));
    assert.equal(error.status, grpc.status.INVALID_ARGUMENT);
    assert.equal(error.code, 'MG_ERR_INVALID');
    assert.equal(await h.store.headSequence(), head, 'nothing was written');

    const rest = await h.inject(yamlRequest(INVALID_YAML));
    assert.equal(rest.statusCode, 422);
    const restErrors = rest.json<{ errors: { document: number; path: string; message: string }[] }>().errors;
    assert.ok(restErrors.length >= 2, rest.body);
    assert.deepEqual(
      error.violations.map((violation) => violation.field),
      restErrors.map((problem) => problem.path),
    );
    for (const [i, violation] of error.violations.entries()) {
      assert.ok(violation.description.startsWith(`document ${restErrors[i].document} `), violation.description);
      assert.ok(violation.description.endsWith(restErrors[i].message), violation.description);
    }
    assert.deepEqual(new Set(restErrors.map((problem) => problem.document)), new Set([0, 2]));
  });

  it('names the request field it refuses: malformed or empty documents, an unknown kind, a missing name, a long idempotency key', async () => {
    const cases: [Promise<unknown>, string, string][] = [
      [client.resources.apply({ documents: 'kind: [unclosed' }), 'MG_ERR_MALFORMED', 'documents'],
      [client.resources.apply({ documents: '  \n' }), 'MG_ERR_EMPTY_BODY', 'documents'],
      [client.resources.get({ kind: 'Gadget', namespace: 'default', name: 'x' }), 'MG_ERR_UNKNOWN_KIND', 'kind'],
      [client.resources.list({ kind: 'Gadget' }), 'MG_ERR_UNKNOWN_KIND', 'kind'],
      [client.resources.get({ kind: 'Service', namespace: 'default', name: '' }), 'MG_ERR_BAD_REQUEST', 'name'],
      [client.resources.delete({ kind: '', namespace: 'default', name: 'x' }), 'MG_ERR_BAD_REQUEST', 'kind'],
      [client.resources.apply({ documents: HTTPBIN_YAML, idempotencyKey: 'k'.repeat(201) }), 'MG_ERR_BAD_REQUEST', 'idempotency_key'],
    ];
    const head = await h.store.headSequence();
    for (const [call, code, field] of cases) {
      const error = await refusal(call);
      assert.equal(error.status, grpc.status.INVALID_ARGUMENT, `${code}: ${error.message}`);
      assert.equal(error.code, code);
      assert.equal(error.field, field);
      assert.deepEqual(error.violations.map((violation) => violation.field), [field]);
    }
    assert.equal(await h.store.headSequence(), head, 'nothing was written');
  });

  it('refuses documents over the body limit with RESOURCE_EXHAUSTED, naming the variable', async () => {
    const error = await refusal(client.resources.apply({ documents: `# ${'x'.repeat(1024 * 1024)}\n` }));
    assert.equal(error.status, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(error.code, 'MG_ERR_BODY_TOO_LARGE');
    assert.match(error.message, /MESHGATE_APPLY_BODY_LIMIT/);
  });
});

describe('Events', () => {
  it('reads the log after a sequence, as GET /v1/events does', async () => {
    const read = await client.events.read({ after: 1, limit: 2 });
    const rest = (await h.inject({ method: 'GET', url: '/v1/events?after=1&limit=2' })).json<{ events: unknown[]; head: number }>();
    assert.deepEqual(read, rest);
    assert.deepEqual(
      read.events.map((event) => event.sequence),
      [2, 3],
    );
    const tooMany = await refusal(client.events.read({ limit: 1001 }));
    assert.equal(tooMany.status, grpc.status.INVALID_ARGUMENT);
    assert.equal(tooMany.field, 'limit');
  });

  it('watches: the events after the position, then a new one as it is committed', async () => {
    const head = await h.store.headSequence();
    const watch = client.events.watch({ after: head - 1 });
    const seen: number[] = [];
    const newEvent = (async () => {
      for await (const event of watch) {
        seen.push(event.sequence);
        if (seen.length === 1) {
          assert.equal(event.sequence, head, 'the history first');
          await client.resources.apply({ documents: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: watched\n' });
        } else return event;
      }
      assert.fail('the stream ended');
    })();
    const event = await newEvent;
    assert.equal(event.sequence, head + 1);
    assert.equal(event.type, 'ResourceApplied');
    assert.equal((event.data as { object: { metadata: { name: string } } }).object.metadata.name, 'watched');
    assert.deepEqual(seen, [head, head + 1]);
  });
});

describe('Proxies', () => {
  it('lists the connected proxies and gives one proxy its configuration', async () => {
    assert.deepEqual(await client.proxies.list(), [PROXY]);
    assert.deepEqual(await client.proxies.config('ingress-1'), PROXY_CONFIG);
    const missing = await refusal(client.proxies.config('gone'));
    assert.equal(missing.status, grpc.status.NOT_FOUND);
    assert.equal(missing.code, 'MG_ERR_NOT_FOUND');
  });
});

describe('auth', () => {
  it('refuses anonymous calls with UNAUTHENTICATED, and calls lacking the scope with PERMISSION_DENIED; nothing is written', async () => {
    const head = await h.store.headSequence();
    const anonymous = connect();
    const reader = connect(READ_ONLY);
    const writer = connect(WRITE_ONLY);
    const unknown = connect('unknown-token-0123456789abcdef');
    const write = (as: MeshgateClient) => as.resources.apply({ documents: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: intruder\n' });
    const cases: [string, Promise<unknown>, grpc.status, RegExp][] = [
      ['anonymous apply', write(anonymous), grpc.status.UNAUTHENTICATED, /needs a token with the "write" scope/],
      ['anonymous delete', anonymous.resources.delete({ kind: 'Namespace', namespace: '', name: 'default' }), grpc.status.UNAUTHENTICATED, /"write" scope/],
      ['anonymous get', anonymous.resources.get({ kind: 'Namespace', namespace: '', name: 'default' }), grpc.status.UNAUTHENTICATED, /"read" scope/],
      ['anonymous events', anonymous.events.read(), grpc.status.UNAUTHENTICATED, /"read" scope/],
      ['anonymous proxies', anonymous.proxies.list(), grpc.status.UNAUTHENTICATED, /"read" scope/],
      ['a reader applies', write(reader), grpc.status.PERMISSION_DENIED, /"reader" lacks the "write" scope/],
      ['a reader deletes', reader.resources.delete({ kind: 'Namespace', namespace: '', name: 'default' }), grpc.status.PERMISSION_DENIED, /lacks the "write" scope/],
      ['a writer lists', writer.resources.list(), grpc.status.PERMISSION_DENIED, /"writer" lacks the "read" scope/],
      ['a writer reads proxies', writer.proxies.config('ingress-1'), grpc.status.PERMISSION_DENIED, /lacks the "read" scope/],
      ['an unknown token applies', write(unknown), grpc.status.PERMISSION_DENIED, /not valid for this server/],
    ];
    for (const [name, call, status, message] of cases) {
      const error = await refusal(call);
      assert.equal(error.status, status, `${name}: ${error.message}`);
      assert.equal(error.code, status === grpc.status.UNAUTHENTICATED ? 'MG_ERR_UNAUTHENTICATED' : 'MG_ERR_FORBIDDEN', name);
      assert.match(error.message, message, name);
    }
    assert.equal(await h.store.headSequence(), head, 'nothing was written');
    assert.deepEqual(await reader.resources.list({ kind: 'Namespace', namespace: '_' }).then((listed) => listed.items.length > 0), true, 'a reader reads');
  });

  it('refuses an anonymous Watch before sending anything', async () => {
    const watch = connect().events.watch({ after: 0 });
    const error = await refusal(
      (async () => {
        for await (const event of watch) assert.fail(`an event was sent: ${event.sequence}`);
      })(),
    );
    assert.equal(error.status, grpc.status.UNAUTHENTICATED);
  });

  it('carries the refusal as google.rpc.Status details to a plain grpc-js client', async () => {
    const Resources = serviceConstructor('resources');
    const raw = new Resources(h.grpcAddress ?? '', grpc.credentials.createInsecure());
    try {
      const error = await new Promise<grpc.ServiceError>((resolve, reject) => {
        const get = (raw as unknown as Record<string, (request: object, callback: (error: grpc.ServiceError | null) => void) => void>).Get;
        get.call(raw, { kind: 'Namespace', name: 'default' }, (failure) => (failure ? resolve(failure) : reject(new Error('the call succeeded'))));
      });
      assert.equal(error.code, grpc.status.UNAUTHENTICATED);
      assert.ok(Buffer.isBuffer(error.metadata.get('grpc-status-details-bin')[0]), 'the standard details trailer');
      assert.equal(errorDetailsOf(error).code, 'MG_ERR_UNAUTHENTICATED');
    } finally {
      raw.close();
    }
  });
});

describe('reflection', () => {
  it('lists the services this server has', async () => {
    assert.deepEqual(await reflectionServices(h.grpcAddress ?? ''), ['meshgate.v1.Events', 'meshgate.v1.Proxies', 'meshgate.v1.Resources']);
  });
});
