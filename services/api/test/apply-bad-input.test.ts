/**
 * Bad input at the HTTP level: each case's status, error code and where the problem is, and
 * after each case the event log holds exactly what it held before.
 * The model's shared table (`packages/model/test/bad-documents.ts`) runs here too.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AppliedSecretPayloads, SecretCipher } from '@meshgate/secrets';
import { opensslCa, opensslLeaf, type PemPair } from '@meshgate/testkit';
import { isPlainRecord } from '../src/records.js';
import { HTTPBIN_SERVICE, yamlRequest } from './fixtures.js';
import { startHarness, type Harness } from './harness.js';

interface BadRequestCase {
  name: string;
  body: string;
  contentType?: string;
  url?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** For 422: the field path of (one of) the errors. */
  path?: string;
  /** For 422: the document that error is in (default 0). */
  document?: number;
  /** For MG_ERR_MALFORMED: the 1-based line reported. */
  line?: number;
}

const BODY_LIMIT_BYTES = 64 * 1024;

const vs = (http: string, spec = '  hosts: [httpbin.example.com]\n  gateways: [httpbin-gateway]\n') =>
  `apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\n  name: httpbin\nspec:\n${spec}  http:\n${http}`;
const gateway = (servers: string) => `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  selector: {istio: ingressgateway}\n${servers}`;
const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

const CASES: BadRequestCase[] = [
  { name: 'malformed YAML names its line', body: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [oops\n', status: 400, code: 'MG_ERR_MALFORMED', line: 5 },
  {
    name: 'malformed YAML in the second document names its line in the whole body',
    body: `${namespace('one')}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: "two\n`,
    status: 400,
    code: 'MG_ERR_MALFORMED',
    line: 10,
  },
  { name: 'malformed JSON', body: '{\n  "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {"name": "x"\n', contentType: 'application/json', status: 400, code: 'MG_ERR_MALFORMED', line: 5 },
  { name: 'empty body', body: '', status: 400, code: 'MG_ERR_EMPTY_BODY' },
  { name: 'whitespace only', body: '  \n\n', status: 400, code: 'MG_ERR_EMPTY_BODY' },
  { name: 'comments and separators only', body: '# nothing here\n---\n', status: 400, code: 'MG_ERR_EMPTY_BODY' },
  { name: 'body over the limit', body: `${namespace('big')}  labels:\n${'    k: v\n'.repeat(BODY_LIMIT_BYTES / 8)}`, status: 413, code: 'MG_ERR_BODY_TOO_LARGE' },
  { name: 'JSON that is a number, not an object', body: '42', contentType: 'application/json', status: 422, code: 'MG_ERR_INVALID', path: '' },
  { name: 'JSON array of strings', body: '["a", "b"]', contentType: 'application/json', status: 422, code: 'MG_ERR_INVALID', path: '', document: 1 },
  { name: 'unknown kind', body: 'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: web\n', status: 422, code: 'MG_ERR_INVALID', path: 'kind' },
  {
    name: 'wrong apiVersion for the kind',
    body: 'apiVersion: v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n',
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'apiVersion',
  },
  { name: 'metadata.name missing', body: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  labels: {a: b}\n', status: 422, code: 'MG_ERR_INVALID', path: 'metadata.name' },
  { name: 'bad name', body: namespace('Bad_Name'), status: 422, code: 'MG_ERR_INVALID', path: 'metadata.name' },
  {
    name: 'destination port that is not an integer',
    body: vs('  - route:\n    - destination:\n        host: httpbin\n        port:\n          number: eighty\n'),
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'spec.http[0].route[0].destination.port.number',
  },
  {
    name: 'weights not summing to 100',
    body: vs('  - route:\n    - destination: {host: a}\n      weight: 50\n    - destination: {host: b}\n      weight: 30\n'),
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'spec.http[0].route',
  },
  {
    name: 'invalid uri regex',
    body: vs('  - match:\n    - uri:\n        regex: "(unclosed"\n    route:\n    - destination: {host: httpbin}\n'),
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'spec.http[0].match[0].uri.regex',
  },
  {
    name: 'header match with two operators',
    body: vs('  - match:\n    - headers:\n        x-user:\n          exact: a\n          prefix: b\n    route:\n    - destination: {host: httpbin}\n'),
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'spec.http[0].match[0].headers["x-user"]',
  },
  { name: 'Gateway without servers', body: gateway(''), status: 422, code: 'MG_ERR_INVALID', path: 'spec.servers' },
  {
    name: 'Gateway server port out of range',
    body: gateway('  servers:\n  - port: {number: 70000, name: http, protocol: HTTP}\n    hosts: ["*"]\n'),
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'spec.servers[0].port.number',
  },
  {
    name: 'Gateway server protocol unknown',
    body: gateway('  servers:\n  - port: {number: 21, name: ftp, protocol: FTP}\n    hosts: ["*"]\n'),
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'spec.servers[0].port.protocol',
  },
  { name: 'VirtualService without hosts', body: vs('  - route:\n    - destination: {host: httpbin}\n', '  gateways: [httpbin-gateway]\n'), status: 422, code: 'MG_ERR_INVALID', path: 'spec.hosts' },
  {
    name: 'Endpoints with a bad IP',
    body: 'apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: httpbin\nsubsets:\n- addresses:\n  - ip: 10.0.0.256\n  ports:\n  - port: 80\n',
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'subsets[0].addresses[0].ip',
  },
  { name: 'Service port as a string', body: HTTPBIN_SERVICE.replace('port: 8000', 'port: "8000"'), status: 422, code: 'MG_ERR_INVALID', path: 'spec.ports[0].port' },
  {
    name: 'only the third of three documents is bad',
    body: [namespace('first-ok'), namespace('second-ok'), namespace('Third_Bad')].join('---\n'),
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'metadata.name',
    document: 2,
  },
  {
    name: 'JSON array whose second object is bad',
    body: JSON.stringify([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'json-ok' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'json.bad' } },
    ]),
    contentType: 'application/json',
    status: 422,
    code: 'MG_ERR_INVALID',
    path: 'metadata.name',
    document: 1,
  },
  { name: 'media type that is not YAML or JSON', body: namespace('xml'), contentType: 'application/xml', status: 415, code: 'MG_ERR_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'dryRun that is not a boolean', body: namespace('dry'), url: '/v1/apply?dryRun=perhaps', status: 400, code: 'MG_ERR_BAD_REQUEST' },
  { name: 'Idempotency-Key longer than 200 characters', body: namespace('idem'), headers: { 'idempotency-key': 'k'.repeat(201) }, status: 400, code: 'MG_ERR_BAD_REQUEST' },
];

interface Problem {
  code: string;
  message: string;
  line?: number;
  column?: number;
  limit?: string;
  errors?: { document: number; kind?: string; name?: string; path: string; message: string }[];
}

/** The model's shared rows, from its compiled test output; checked field by field rather than trusted. */
interface SharedBadDocument {
  name: string;
  yaml: string;
  path: string;
  line?: number;
  message?: string;
  limit?: string;
}

function sharedRows(module: unknown): SharedBadDocument[] {
  if (typeof module !== 'object' || module === null || !('BAD_DOCUMENTS' in module) || !Array.isArray(module.BAD_DOCUMENTS)) {
    throw new Error('packages/model/dist/test/bad-documents.js does not export BAD_DOCUMENTS');
  }
  return module.BAD_DOCUMENTS.map((row: unknown, index: number) => {
    if (!isPlainRecord(row)) throw new Error(`BAD_DOCUMENTS[${index}] is not an object`);
    const { name, yaml, path, line, message, limit } = row;
    if (typeof name !== 'string' || typeof yaml !== 'string' || typeof path !== 'string') throw new Error(`BAD_DOCUMENTS[${index}] lacks name, yaml or path`);
    if (line !== undefined && typeof line !== 'number') throw new Error(`BAD_DOCUMENTS[${index}].line is not a number`);
    if (message !== undefined && typeof message !== 'string') throw new Error(`BAD_DOCUMENTS[${index}].message is not a string`);
    if (limit !== undefined && typeof limit !== 'string') throw new Error(`BAD_DOCUMENTS[${index}].limit is not a string`);
    return { name, yaml, path, line, message, limit };
  });
}

// The test runs from services/api/dist/test; the model's table compiles to packages/model/dist/test.
const SHARED_TABLE_URL = new URL('../../../../packages/model/dist/test/bad-documents.js', import.meta.url);
const SHARED_ROWS = sharedRows(await import(SHARED_TABLE_URL.href));

describe('POST /v1/apply refuses bad input and writes nothing', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ bodyLimitBytes: BODY_LIMIT_BYTES, consumeChanges: false });
    // Something in the log, so that "nothing written" is checked against a non-empty log.
    const seeded = await h.inject(yamlRequest(namespace('already-there')));
    assert.equal(seeded.statusCode, 200, seeded.body);
  });
  after(async () => {
    await h.close();
  });

  it('has at least 20 cases of its own', () => {
    assert.ok(CASES.length >= 20, `${CASES.length} cases`);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const before = await h.store.countEvents();
      const response = await h.inject({
        method: 'POST',
        url: c.url ?? '/v1/apply',
        payload: c.body,
        headers: { 'content-type': c.contentType ?? 'application/yaml', ...c.headers },
      });
      assert.equal(response.statusCode, c.status, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      const problem = response.json<Problem>();
      assert.equal(problem.code, c.code);
      assert.equal(typeof problem.message, 'string');
      if (c.line !== undefined) {
        assert.equal(problem.line, c.line);
        assert.equal(typeof problem.column, 'number');
        assert.match(problem.message, new RegExp(`line ${c.line}\\b`));
      }
      if (c.path !== undefined) {
        const document = c.document ?? 0;
        assert.ok(
          problem.errors?.some((error) => error.path === c.path && error.document === document),
          `expected an error at document ${document}, path "${c.path}": ${JSON.stringify(problem.errors)}`,
        );
      }
      if (c.code === 'MG_ERR_BAD_REQUEST') assert.match(problem.message, /dryRun|idempotency-key/);
      assert.equal(await h.store.countEvents(), before, 'nothing was written');
    });
  }

  it('names the kind and name of an invalid document when it can', async () => {
    const response = await h.inject(yamlRequest(HTTPBIN_SERVICE.replace('port: 8000', 'port: 0')));
    assert.equal(response.statusCode, 422);
    const [error] = response.json<Problem>().errors ?? [];
    assert.deepEqual({ document: error.document, kind: error.kind, name: error.name, path: error.path }, { document: 0, kind: 'Service', name: 'httpbin', path: 'spec.ports[0].port' });
  });

  it('wrote none of the valid documents of a request with a bad one', async () => {
    for (const name of ['first-ok', 'second-ok', 'json-ok']) {
      const response = await h.inject({ method: 'GET', url: `/v1/resources/namespaces/_/${name}` });
      assert.equal(response.statusCode, 404, name);
    }
  });

  describe('the model\'s shared table of bad documents', () => {
    it('is there', () => {
      assert.ok(SHARED_ROWS.length > 0);
    });
    for (const row of SHARED_ROWS) {
      it(row.name, async () => {
        const before = await h.store.countEvents();
        const response = await h.inject(yamlRequest(row.yaml));
        const problem = response.json<Problem>();
        if (row.limit !== undefined) {
          assert.equal(response.statusCode, 422, response.body);
          assert.equal(problem.code, 'MG_ERR_LIMIT_EXCEEDED');
          assert.equal(problem.limit, row.limit);
          assert.equal(problem.line, row.line);
        } else if (row.line !== undefined) {
          assert.equal(response.statusCode, 400, response.body);
          assert.equal(problem.code, 'MG_ERR_MALFORMED');
          assert.equal(problem.line, row.line);
        } else {
          assert.equal(response.statusCode, 422, response.body);
          assert.equal(problem.code, 'MG_ERR_INVALID');
          const match = problem.errors?.find((error) => error.path === row.path);
          assert.ok(match, `expected an error at "${row.path}": ${JSON.stringify(problem.errors)}`);
          if (row.message !== undefined) assert.ok(match.message.includes(row.message), `"${match.message}" should mention "${row.message}"`);
        }
        assert.equal(await h.store.countEvents(), before, 'nothing was written');
      });
    }
  });
});

describe('POST /v1/apply refuses a ServiceEntry whose TCP port collides with a stored one (istio#6695)', () => {
  let h: Harness;
  const entry = (name: string, host: string, extra = '') =>
    `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: ${name}\n  namespace: egress\nspec:\n  hosts: [${host}]\n  ports: [{number: 27017, name: tcp, protocol: TCP}]\n  resolution: DNS\n${extra}`;
  before(async () => {
    h = await startHarness({ consumeChanges: false });
    const first = await h.inject(yamlRequest(entry('mongo-a', 'a.mongo.example.com')));
    assert.equal(first.statusCode, 200, first.body);
  });
  after(async () => {
    await h.close();
  });

  it('names both entries, and writes nothing', async () => {
    const before = await h.store.countEvents();
    const response = await h.inject(yamlRequest(`${namespace('egress')}---\n${entry('mongo-b', 'b.mongo.example.com')}`));
    assert.equal(response.statusCode, 422, response.body);
    const [error] = response.json<Problem>().errors ?? [];
    assert.deepEqual({ document: error.document, kind: error.kind, name: error.name, path: error.path }, { document: 1, kind: 'ServiceEntry', name: 'mongo-b', path: 'spec.ports' });
    assert.match(error.message, /egress\/mongo-a.*egress\/mongo-b.*0\.0\.0\.0:27017/);
    assert.equal(await h.store.countEvents(), before, 'nothing was written, the Namespace included');
  });

  it('takes the same port with addresses, and a re-apply of the holder', async () => {
    const withAddresses = await h.inject(yamlRequest(entry('mongo-c', 'c.mongo.example.com', '  addresses: [203.0.113.9]\n')));
    assert.equal(withAddresses.statusCode, 200, withAddresses.body);
    const reapplied = await h.inject(yamlRequest(entry('mongo-a', 'a2.mongo.example.com')));
    assert.equal(reapplied.statusCode, 200, reapplied.body);
  });
});

/**
 * Bad credentials are accepted (as Kubernetes accepts any Secret), but never in silence: the
 * apply answers with the analysis code (IST0161 on the Gateway, MG0002 on the VirtualService),
 * the objects are written, and the compiler does not serve the server (what IST0161 says).
 * The refused rows (wrong Secret type, SIMPLE without a credential, a tls Secret without its
 * keys) are in the model's shared table above.
 */
describe('POST /v1/apply accepts a bad credential with the analysis code as a warning', () => {
  let h: Harness;
  let leaf: PemPair;
  let other: PemPair;
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const tlsGateway = (namespace: string, mode: string, credential = 'cred') =>
    `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: ${namespace}}\nspec:\n  selector: {istio: ${namespace}}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    tls: {mode: ${mode}, credentialName: ${credential}}\n    hosts: [httpbin.example.com]\n`;
  const secret = (namespace: string, type: string, data: Record<string, string>, name = 'cred') =>
    `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: ${namespace}}\ntype: ${type}\ndata:\n${Object.entries(data)
      .map(([key, value]) => `  ${key}: ${b64(value)}\n`)
      .join('')}`;
  const MALFORMED = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';

  interface AcceptedCase {
    name: string;
    /** Applied first, and must answer with no warning. */
    setup?: () => string;
    body: () => string;
    /** The warning: its code and object, and a part of its text. */
    code: string;
    object: string;
    text: string;
  }
  const cases: AcceptedCase[] = [
    { name: 'a Gateway naming a Secret that does not exist', body: () => tlsGateway('missing', 'SIMPLE'), code: 'IST0161', object: 'Gateway missing/gw', text: 'Secret missing/cred does not exist' },
    {
      name: 'malformed PEM',
      body: () => tlsGateway('malformed', 'SIMPLE') + secret('malformed', 'kubernetes.io/tls', { 'tls.crt': MALFORMED, 'tls.key': leaf.keyPem }),
      code: 'IST0161',
      object: 'Gateway malformed/gw',
      text: 'is not a usable credential: tls.crt',
    },
    {
      name: 'a key not matching the certificate',
      body: () => tlsGateway('mismatch', 'SIMPLE') + secret('mismatch', 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': other.keyPem }),
      code: 'IST0161',
      object: 'Gateway mismatch/gw',
      text: 'tls.key does not match the certificate in tls.crt',
    },
    {
      name: 'a generic Secret without the keys (neither tls.key/tls.crt nor key/cert)',
      body: () => tlsGateway('nokeys', 'SIMPLE') + secret('nokeys', 'Opaque', { 'ca.crt': leaf.certPem }),
      code: 'IST0161',
      object: 'Gateway nokeys/gw',
      text: 'has neither tls.key/tls.crt nor key/cert',
    },
    {
      name: 'MUTUAL without a client CA',
      body: () => tlsGateway('noca', 'MUTUAL') + secret('noca', 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }),
      code: 'IST0161',
      object: 'Gateway noca/gw',
      text: 'MUTUAL needs the client CA',
    },
    {
      name: 'a Secret re-applied with a key that no longer matches breaks the Gateway already there',
      setup: () => tlsGateway('rotated', 'SIMPLE') + secret('rotated', 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }),
      body: () => secret('rotated', 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': other.keyPem }).slice(4),
      code: 'IST0161',
      object: 'Gateway rotated/gw',
      text: 'tls.key does not match the certificate in tls.crt',
    },
    {
      name: 'a gateway workload Pod in another namespace: the credential is looked up there, where it is missing',
      setup: () => tlsGateway('moved', 'SIMPLE') + secret('moved', 'kubernetes.io/tls', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }),
      body: () => 'apiVersion: v1\nkind: Pod\nmetadata: {name: ingress-1, namespace: elsewhere, labels: {istio: moved}}\nspec:\n  containers: [{name: istio-proxy}]\n',
      code: 'IST0161',
      object: 'Gateway moved/gw',
      text: 'resolved in namespace elsewhere: workload Pod elsewhere/ingress-1): Secret elsewhere/cred does not exist',
    },
    {
      name: 'PASSTHROUGH with only http routes',
      body: () =>
        `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: passthrough}\nspec:\n  selector: {istio: passthrough}\n  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n    tls: {mode: PASSTHROUGH}\n    hosts: [nginx.example.com]\n---\n` +
        `apiVersion: v1\nkind: Service\nmetadata: {name: nginx, namespace: passthrough}\nspec:\n  selector: {app: nginx}\n  ports: [{name: https, port: 443}]\n---\n` +
        `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: nginx, namespace: passthrough}\nspec:\n  hosts: [nginx.example.com]\n  gateways: [gw]\n  http:\n  - route: [{destination: {host: nginx, port: {number: 443}}}]\n`,
      code: 'MG0002',
      object: 'VirtualService passthrough/nginx',
      text: 'passes TLS through undecrypted',
    },
  ];

  before(async () => {
    const ca = opensslCa();
    leaf = opensslLeaf(ca, 'httpbin.example.com', 1);
    other = opensslLeaf(ca, 'httpbin.example.com', 2);
    const { openEventStore } = await import('@meshgate/eventlog');
    const store = await openEventStore({ memory: true });
    h = await startHarness({ store, consumeChanges: false, secretPayloads: new AppliedSecretPayloads({ store, cipher: new SecretCipher(randomBytes(32)) }) });
  });
  after(async () => {
    const store = h.store;
    await h.close();
    await store.close();
  });

  for (const c of cases) {
    it(c.name, async () => {
      if (c.setup) {
        const setup = await h.inject(yamlRequest(c.setup()));
        assert.equal(setup.statusCode, 200, setup.body);
        assert.deepEqual(setup.json<{ warnings: string[] }>().warnings, [], 'the setup is clean');
      }
      const before = await h.store.countEvents();
      const response = await h.inject(yamlRequest(c.body()));
      assert.equal(response.statusCode, 200, response.body);
      const warnings = response.json<{ warnings: string[] }>().warnings;
      const warning = warnings.find((w) => w.includes(`[${c.code}] (${c.object})`));
      assert.ok(warning, `expected a ${c.code} warning about ${c.object}: ${JSON.stringify(warnings)}`);
      assert.ok(warning.includes(c.text), `"${warning}" should say "${c.text}"`);
      assert.ok(!warnings.some((w) => w.includes('PRIVATE KEY')), 'no key material in a warning');
      assert.ok((await h.store.countEvents()) > before, 'accepted: written');
    });
  }
});
