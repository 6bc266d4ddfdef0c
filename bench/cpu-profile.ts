/**
 * Reading a V8 CPU profile (`node --cpu-prof`) of the hub for `npm run bench:flood`: the longest stretches in
 * which the event loop never went idle, and which functions the samples of each stretch were in. A stretch is a
 * run of samples none of which is "(idle)"; each sample is named after the first frame, from the leaf up, that
 * belongs to the hub's code or a library (node internals and anonymous wrappers are skipped), or after the
 * garbage collector.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface BusyStretch {
  /** ms from the profile's start. */
  startMs: number;
  durationMs: number;
  /** Where the samples were: name, share of the stretch (0..1), most first. */
  top: { name: string; share: number }[];
}

/** The `count` longest busy stretches of every profile in `dir` (the newest file), longest first. */
export function longestBusyStretches(dir: string, count = 3): BusyStretch[] {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((file) => file.endsWith('.cpuprofile')) : [];
  if (!files.length) return [];
  const newest = files.map((file) => path.join(dir, file)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  const profile = JSON.parse(fs.readFileSync(newest, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = new Map<number, string>();
  const nameOf = (id: number): string => {
    const known = label.get(id);
    if (known) return known;
    let name = 'other';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.functionName === '(garbage collector)') {
        name = 'garbage collector';
        break;
      }
      if (frame.functionName === '(program)') {
        name = 'native (program)';
        break;
      }
      const file = frame.url.replace(/^file:\/\//, '');
      if (!file || file.startsWith('node:') || !frame.functionName) continue;
      const where = /node_modules\/(.+)$/.exec(file)?.[1] ?? path.relative(process.cwd(), file);
      name = `${frame.functionName} (${where}:${frame.lineNumber + 1})`;
      break;
    }
    label.set(id, name);
    return name;
  };

  const stretches: { start: number; end: number; samples: number[] }[] = [];
  let time = 0;
  let current: { start: number; end: number; samples: number[] } | null = null;
  profile.samples.forEach((sample, i) => {
    time += profile.timeDeltas[i];
    const idle = byId.get(sample)!.callFrame.functionName === '(idle)';
    if (idle) {
      if (current) stretches.push(current);
      current = null;
    } else {
      current ??= { start: time, end: time, samples: [] };
      current.end = time;
      current.samples.push(sample);
    }
  });
  if (current) stretches.push(current);

  return stretches
    .sort((a, b) => b.end - b.start - (a.end - a.start))
    .slice(0, count)
    .map((stretch) => {
      const counts = new Map<string, number>();
      for (const sample of stretch.samples) counts.set(nameOf(sample), (counts.get(nameOf(sample)) ?? 0) + 1);
      const top = [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([name, n]) => ({ name, share: n / stretch.samples.length }));
      return { startMs: stretch.start / 1000, durationMs: (stretch.end - stretch.start) / 1000, top };
    });
}
