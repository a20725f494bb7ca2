// `lab doctor`: can this machine run the checks? Each finding with the command that fixes it.
import { projectRoot } from '../../paths.ts';
import { print } from '../../ui/output.ts';
import { DoctorView } from './DoctorView.tsx';
import { realHost, runProbes } from './probes.ts';

export interface DoctorOptions {
  json: boolean;
}

export async function doctor({ json }: DoctorOptions): Promise<number> {
  const probes = runProbes(realHost(projectRoot));
  if (json) process.stdout.write(JSON.stringify({ ok: probes.every((p) => p.ok), probes }, null, 2) + '\n');
  else print(<DoctorView probes={probes} />);
  return probes.every((probe) => probe.ok) ? 0 : 1;
}
