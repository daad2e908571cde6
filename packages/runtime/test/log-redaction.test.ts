/** The loggers' redaction: secret material in a logged object is censored wherever it sits. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { loggerOptions } from '../src/index.js';

test('a Secret document, a PEM key or an Envoy private_key logged by mistake comes out censored', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino(loggerOptions('test', 'info'), sink);
  logger.info({ object: { kind: 'Secret', data: { 'tls.key': 'c2VjcmV0LWtleQ==' } } }, 'one');
  logger.info({ change: { object: { kind: 'Secret', stringData: { 'tls.key': 'secret-key' }, data: { k: 'c2VjcmV0LWtleQ==' } } } }, 'two');
  logger.info({ issued: { privateKeyPem: '-----BEGIN PRIVATE KEY-----' } }, 'three');
  logger.info({ secret: { private_key: { inline_string: '-----BEGIN PRIVATE KEY-----' } } }, 'four');
  const text = lines.join('');
  assert.equal(lines.length, 4);
  assert.doesNotMatch(text, /c2VjcmV0LWtleQ==|secret-key|BEGIN PRIVATE KEY/);
  assert.match(text, /\[redacted\]/);
});
