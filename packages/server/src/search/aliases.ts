/**
 * Names people type for what packages call otherwise: each word on the left also searches the
 * words on the right, in both engines. Kept small and literal; typos are left to fuzzy matching.
 */
export const ALIASES: Record<string, string[]> = {
  nextjs: ['next'],
  next: ['nextjs'],
  k8s: ['kubernetes'],
  kube: ['kubernetes'],
  kubernetes: ['k8s'],
  gh: ['github'],
  gha: ['github', 'actions'],
  nest: ['nestjs'],
  nestjs: ['nest'],
  ng: ['angular'],
  tf: ['terraform'],
  reactjs: ['react'],
  vuejs: ['vue'],
  nuxtjs: ['nuxt'],
  sveltekit: ['svelte'],
  ts: ['typescript'],
  pg: ['postgres', 'postgresql'],
  postgresql: ['postgres'],
  postgres: ['postgresql'],
};

/** The query's words followed by their aliases, without repeats. */
export function withAliases(terms: string[]): string[] {
  const out = new Set(terms);
  for (const t of terms) for (const a of ALIASES[t] ?? []) out.add(a);
  return [...out];
}

/** Edit distance counting a swap of two neighbouring letters as one edit ("angualr" → "angular"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

/** How many edits a typo of this length may have: none for short words, where one edit is another word. */
export const allowedEdits = (term: string) => (term.length < 4 ? 0 : term.length < 7 ? 1 : 2);
