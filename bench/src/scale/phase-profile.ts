/**
 * `BENCH_CPU_PROF_PHASE=<phase>[,<phase>]` (`initial`, `storm`): a CPU profile of the server
 * process over that phase alone, written to `bench/results/<scenario>-<phase>.cpuprofile` (open it
 * in Chrome DevTools). Profiling the whole run would bury a phase under the setup and the others.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

export interface PhaseProfile {
  stop(): Promise<void>;
}

const NOT_PROFILED: PhaseProfile = { stop: async () => undefined };

export async function profilePhase(phase: string, scenario: string, resultsDir: string): Promise<PhaseProfile> {
  const wanted = (process.env.BENCH_CPU_PROF_PHASE ?? '').split(',').map((p) => p.trim());
  if (!wanted.includes(phase)) return NOT_PROFILED;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const file = path.join(resultsDir, `${scenario}-${phase}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      console.error(`[bench] CPU profile of ${scenario} ${phase}: ${file}`);
    },
  };
}
