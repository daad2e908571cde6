/** The credential model: tokens file, matching, scopes, the decision and its messages. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { authorize, bearerToken } from '../src/authorize.js';
import { loadCaClientToken } from '../src/client-token.js';
import { Credentials } from '../src/credentials.js';
import { loadCredentials } from '../src/load.js';
import { scopeCovers } from '../src/scopes.js';
import { parseTokensFile } from '../src/tokens-file.js';
import { tempDir, type TempDir } from './support.js';

const ADMIN = 'admin-token-0123456789abcdef';
const READER = 'reader-token-0123456789abcdef';
const WRITER = 'writer-token-0123456789abcdef';
const XDS = 'xds-token-0123456789abcdefgh';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const TOKENS_YAML = `
- name: reader
  sha256: ${sha256(READER)}
  scopes: [read]
- name: writer
  token: ${WRITER}
  scopes: [read, write]
- name: xds
  sha256: ${sha256(XDS).toUpperCase()}
  scopes: [ca-issue]
`;

let dir: TempDir;
before(async () => {
  dir = await tempDir();
});
after(async () => {
  await dir.remove();
});

describe('the tokens file', () => {
  test('names, tokens as sha256 (any case) or as they are, and scopes', () => {
    const entries = parseTokensFile(TOKENS_YAML, 'tokens.yaml');
    assert.deepEqual(
      entries.map((e) => [e.name, e.scopes]),
      [
        ['reader', ['read']],
        ['writer', ['read', 'write']],
        ['xds', ['ca-issue']],
      ],
    );
    assert.equal(entries[1].digest.toString('hex'), sha256(WRITER));
  });

  test('an empty file is no tokens', () => {
    assert.deepEqual(parseTokensFile('', 'tokens.yaml'), []);
    assert.deepEqual(parseTokensFile('[]', 'tokens.yaml'), []);
  });

  const refusals: [string, string, RegExp][] = [
    ['not a list', 'name: x', /expected a list/],
    ['an unknown key', `- name: a\n  token: ${READER}\n  scopes: [read]\n  role: admin`, /\[0\]: unknown key "role"/],
    ['an unknown scope', `- name: a\n  token: ${READER}\n  scopes: [read, admin]`, /\[0\]\.scopes\[1\] \(a\): "admin" is not one of read, write, ca-issue, ca-admin/],
    ['no scopes', `- name: a\n  token: ${READER}\n  scopes: []`, /non-empty list/],
    ['both token and sha256', `- name: a\n  token: ${READER}\n  sha256: ${sha256(READER)}\n  scopes: [read]`, /either sha256 or token/],
    ['a short token', `- name: a\n  token: short\n  scopes: [read]`, /at least 16 characters/],
    ['a bad digest', `- name: a\n  sha256: abc\n  scopes: [read]`, /64 hex digits/],
    ['a duplicate name', `- name: a\n  token: ${READER}\n  scopes: [read]\n- name: a\n  token: ${WRITER}\n  scopes: [read]`, /\[1\]\.name "a" is used twice/],
    ['the API token\'s name', `- name: api-token\n  token: ${READER}\n  scopes: [read]`, /reserved/],
    ['one token twice', `- name: a\n  token: ${READER}\n  scopes: [read]\n- name: b\n  sha256: ${sha256(READER)}\n  scopes: [write]`, /same token/],
    ['a duplicate key', `- name: a\n  name: b\n  token: ${READER}\n  scopes: [read]`, /not valid YAML/],
    ['an alias', `- name: a\n  token: ${READER}\n  scopes: &s [read]\n- name: b\n  token: ${WRITER}\n  scopes: *s`, /not valid YAML/],
  ];
  for (const [what, text, message] of refusals) {
    test(`refuses ${what}, naming the file`, () => {
      assert.throws(() => parseTokensFile(text, 'tokens.yaml'), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /^tokens\.yaml: /);
        assert.match(error.message, message);
        assert.ok(!error.message.includes(READER) && !error.message.includes(WRITER), 'no token in the message');
        return true;
      });
    });
  }
});

describe('Credentials', () => {
  const credentials = Credentials.adminToken(ADMIN, parseTokensFile(TOKENS_YAML, 'tokens.yaml'));

  test('a token authenticates as its entry; an unknown one, a prefix or another case does not', () => {
    assert.equal(credentials.authenticate(ADMIN)?.name, 'api-token');
    assert.equal(credentials.authenticate(READER)?.name, 'reader');
    assert.equal(credentials.authenticate(XDS)?.name, 'xds');
    for (const wrong of ['', ADMIN.slice(0, -1), `${ADMIN}0`, ADMIN.toUpperCase(), sha256(READER)]) assert.equal(credentials.authenticate(wrong), undefined, wrong);
  });

  test('the API token holds every scope; ca-admin includes ca-issue and nothing else includes another', () => {
    for (const scope of ['read', 'write', 'ca-issue', 'ca-admin'] as const) assert.equal(credentials.allows(ADMIN, scope), true, scope);
    assert.equal(credentials.allows(READER, 'read'), true);
    assert.equal(credentials.allows(READER, 'write'), false);
    assert.equal(credentials.allows(XDS, 'ca-issue'), true);
    assert.equal(credentials.allows(XDS, 'ca-admin'), false);
    assert.equal(scopeCovers(new Set(['ca-admin']), 'ca-issue'), true);
    assert.equal(scopeCovers(new Set(['write']), 'read'), false);
  });

  test('describe() lists names and scopes, never a token or digest', () => {
    const text = JSON.stringify(credentials.describe());
    for (const secret of [ADMIN, READER, WRITER, XDS, sha256(READER), sha256(ADMIN)]) assert.ok(!text.toLowerCase().includes(secret.toLowerCase()));
  });

  test('none() accepts nothing', () => {
    assert.equal(Credentials.none().configured, false);
    assert.equal(Credentials.none().authenticate(ADMIN), undefined);
  });
});

describe('authorize', () => {
  const credentials = Credentials.adminToken(ADMIN, parseTokensFile(TOKENS_YAML, 'tokens.yaml'));

  test('no bearer token: unauthenticated, naming the scope', () => {
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', `Token ${ADMIN}`, [`Bearer ${ADMIN}`, `Bearer ${ADMIN}`]]) {
      const decision = authorize(credentials, header, 'write');
      assert.equal(decision.ok, false, String(header));
      assert.ok(!decision.ok && decision.refusal === 'unauthenticated' && /"write" scope/.test(decision.message));
    }
  });

  test('an unknown token or a missing scope: forbidden, naming the scope and the token\'s name only', () => {
    const unknown = authorize(credentials, 'Bearer not-a-known-token-at-all', 'read');
    assert.ok(!unknown.ok && unknown.refusal === 'forbidden' && /not valid for this server/.test(unknown.message));
    const lacking = authorize(credentials, `Bearer ${READER}`, 'write');
    assert.ok(!lacking.ok && lacking.refusal === 'forbidden');
    assert.equal(lacking.message, 'the token "reader" lacks the "write" scope that this endpoint needs (it has: read)');
    const none = authorize(Credentials.none(), `Bearer ${ADMIN}`, 'read');
    assert.ok(!none.ok && /has no token configured/.test(none.message));
  });

  test('the right scope: the principal', () => {
    const decision = authorize(credentials, `bearer  ${WRITER} `, 'write');
    assert.ok(decision.ok && decision.principal.name === 'writer');
    assert.equal(bearerToken([`Bearer ${ADMIN}`]), ADMIN);
  });
});

describe('loading', () => {
  test('loadCredentials: the API token plus the tokens file; the source names both and shows no token', async () => {
    const file = await dir.write('tokens.yaml', TOKENS_YAML);
    const loaded = loadCredentials({ token: ADMIN, tokensFile: file, fallback: 'none', dataDir: dir.path });
    assert.equal(loaded.apiToken, ADMIN);
    assert.equal(loaded.credentials.describe().length, 4);
    assert.match(loaded.source, /MESHGATE_API_TOKEN; 3 more from .*tokens\.yaml \(reader: read, writer: read\+write, xds: ca-issue\)/);
    for (const secret of [ADMIN, READER, WRITER, XDS]) assert.ok(!loaded.source.includes(secret));
    const onlyFile = loadCredentials({ tokensFile: file, fallback: 'none', dataDir: dir.path });
    assert.equal(onlyFile.apiToken, undefined);
    assert.equal(onlyFile.credentials.authenticate(ADMIN), undefined);
    assert.equal(onlyFile.credentials.authenticate(READER)?.name, 'reader');
  });

  test('the CA client token: MESHGATE_CA_TOKEN(_FILE), else MESHGATE_API_TOKEN(_FILE)', async () => {
    const file = await dir.write('ca-token', `${XDS}\n`);
    assert.deepEqual(loadCaClientToken({ MESHGATE_CA_TOKEN: XDS, MESHGATE_API_TOKEN: ADMIN }), { token: XDS, source: 'MESHGATE_CA_TOKEN' });
    assert.equal(loadCaClientToken({ MESHGATE_CA_TOKEN_FILE: file }).token, XDS);
    assert.deepEqual(loadCaClientToken({ MESHGATE_API_TOKEN: ADMIN }), { token: ADMIN, source: 'MESHGATE_API_TOKEN' });
    assert.equal(loadCaClientToken({}).token, undefined);
    assert.throws(() => loadCaClientToken({ MESHGATE_CA_TOKEN: XDS, MESHGATE_CA_TOKEN_FILE: file }), /not both/);
  });
});
