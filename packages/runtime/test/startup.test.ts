/** Log format choice and the one-line startup errors. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { listenOrExplain, logFormat, StartupError } from '../src/index.js';

describe('logFormat', () => {
  it('is pretty on a terminal and JSON otherwise, unless MESHGATE_LOG_FORMAT says', () => {
    assert.equal(logFormat({}, true), 'pretty');
    assert.equal(logFormat({}, false), 'json');
    assert.equal(logFormat({ MESHGATE_LOG_FORMAT: 'json' }, true), 'json');
    assert.equal(logFormat({ MESHGATE_LOG_FORMAT: 'pretty' }, false), 'pretty');
    assert.throws(() => logFormat({ MESHGATE_LOG_FORMAT: 'xml' }, false), /MESHGATE_LOG_FORMAT: expected json or pretty, got "xml"/);
  });
});

describe('listenOrExplain', () => {
  it('names the port and the variable and flag that move it when the port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    assert.ok(address !== null && typeof address === 'object');
    try {
      const second = net.createServer();
      const error = await listenOrExplain({ what: 'REST API', host: '127.0.0.1', port: address.port, variable: 'MESHGATE_API_PORT', flag: '--api-port' }, () =>
        new Promise<void>((resolve, reject) => {
          second.once('error', reject);
          second.listen(address.port, '127.0.0.1', resolve);
        }),
      ).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof StartupError, String(error));
      assert.equal(
        error.message,
        `the REST API port 127.0.0.1:${address.port} is already in use: set MESHGATE_API_PORT or pass --api-port to choose another (0 picks a free one)`,
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('lets other errors through unchanged', async () => {
    const original = new Error('something else');
    await assert.rejects(
      listenOrExplain({ what: 'xDS', host: '127.0.0.1', port: 1, variable: 'MESHGATE_XDS_PORT' }, () => Promise.reject(original)),
      (error: unknown) => error === original,
    );
  });
});
