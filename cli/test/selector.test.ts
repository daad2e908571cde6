/** Label selectors, kubectl's grammar: table-driven parse and match, and the errors for bad ones. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../src/errors.js';
import { matchesSelector, parseSelector } from '../src/selector.js';

const LABELS = { app: 'httpbin', version: 'v1', 'app.kubernetes.io/part-of': 'demo', empty: '' };

describe('label selectors', () => {
  const cases: [string, boolean][] = [
    ['app=httpbin', true],
    ['app==httpbin', true],
    ['app = httpbin', true],
    ['app=reviews', false],
    ['app!=reviews', true],
    ['app!=httpbin', false],
    ['missing!=x', true],
    ['app in (httpbin, reviews)', true],
    ['app in (reviews)', false],
    ['app notin (reviews,ratings)', true],
    ['app notin (httpbin)', false],
    ['missing notin (a)', true],
    ['version', true],
    ['missing', false],
    ['!missing', true],
    ['!version', false],
    ['app.kubernetes.io/part-of=demo', true],
    ['empty=', true],
    ['app=httpbin,version=v1', true],
    ['app=httpbin,version=v2', false],
    ['app in (httpbin),!missing,version', true],
  ];
  for (const [selector, expected] of cases) {
    it(`${selector} → ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(matchesSelector(parseSelector(selector), LABELS), expected);
    });
  }

  const bad: [string, RegExp][] = [
    ['', /it is empty/],
    ['app=httpbin,', /expected a label key at the end/],
    ['app in ()', /expected a value in the set, found "\)"/],
    ['app in (a', /expected "\)" at the end/],
    ['app < 3', /expected "=", "==", "!=", "in" or "notin" after "app"/],
    ['-app=x', /"-app" is not a label key/],
    ['app=-x', /"-x" is not a label value/],
    ['app=x y', /expected "," between requirements, found "y"/],
  ];
  for (const [selector, message] of bad) {
    it(`refuses ${JSON.stringify(selector)}`, () => {
      assert.throws(() => parseSelector(selector), (error: unknown) => error instanceof CliError && message.test(error.message) && error.message.includes('unable to parse label selector'));
    });
  }
});
