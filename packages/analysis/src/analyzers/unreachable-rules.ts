/**
 * IST0130 VirtualServiceUnreachableRule: an http rule after one that matches every request is
 * never used. IST0131 VirtualServiceIneffectiveMatch: a match entry identical to an earlier one
 * (in the same or an earlier rule) never decides anything.
 */
import { canonicalJson, type HTTPMatchRequest } from '@meshgate/model';
import { VIRTUAL_SERVICE_INEFFECTIVE_MATCH, VIRTUAL_SERVICE_UNREACHABLE_RULE } from '../codes.js';
import { messageOf, type AnalysisMessage, type Analyzer } from '../types.js';
import { virtualServices } from './objects.js';

export const unreachableRules: Analyzer = {
  name: 'virtualservice.unreachablerules',
  types: [VIRTUAL_SERVICE_UNREACHABLE_RULE, VIRTUAL_SERVICE_INEFFECTIVE_MATCH],
  analyze({ state }) {
    const messages: AnalysisMessage[] = [];
    for (const vs of virtualServices(state)) {
      const http = vs.spec.http;
      const catchAll = http.findIndex((route) => route.match.length === 0 || route.match.some(matchesEverything));
      if (catchAll >= 0) {
        for (let i = catchAll + 1; i < http.length; i++) {
          const why = http[catchAll].match.length === 0 ? 'only the last rule can have no matches' : `rule #${catchAll} matches every request`;
          messages.push(messageOf(VIRTUAL_SERVICE_UNREACHABLE_RULE, vs, `VirtualService rule #${i}${named(http[i].name)} not used (${why}).`, `spec.http[${i}]`));
        }
      }
      // A duplicate needs two match entries; most VirtualServices have one (and the key costs a canonical JSON).
      if (http.reduce((count, route) => count + route.match.length, 0) < 2) continue;
      const seen = new Map<string, string>();
      http.forEach((route, i) => {
        if (catchAll >= 0 && i > catchAll) return;
        route.match.forEach((match, j) => {
          const key = canonicalJson({ ...match, name: undefined });
          const earlier = seen.get(key);
          if (earlier !== undefined) {
            messages.push(messageOf(VIRTUAL_SERVICE_INEFFECTIVE_MATCH, vs, `VirtualService rule #${i} match #${j} is not used (duplicate match in ${earlier}).`, `spec.http[${i}].match[${j}]`));
          } else {
            seen.set(key, `rule #${i} match #${j}`);
          }
        });
      });
    }
    return messages;
  },
};

function named(name: string | undefined): string {
  return name ? ` (${name})` : '';
}

/** A match entry with nothing but `uri: {prefix: "/"}` (or nothing at all) takes every request. */
function matchesEverything(match: HTTPMatchRequest): boolean {
  const uriAll = match.uri === undefined || ('prefix' in match.uri && match.uri.prefix === '/');
  const empty = (record: Record<string, unknown>) => Object.keys(record).length === 0;
  return (
    uriAll &&
    match.scheme === undefined &&
    match.method === undefined &&
    match.authority === undefined &&
    empty(match.headers) &&
    empty(match.queryParams) &&
    empty(match.withoutHeaders) &&
    empty(match.sourceLabels) &&
    match.port === undefined &&
    match.gateways.length === 0
  );
}
