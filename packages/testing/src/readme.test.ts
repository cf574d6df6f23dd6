// The README's first example is readme-example.test.ts, word for word, so the example users
// copy is the one that runs.
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';

it('the README example is the file that runs as readme-example.test.ts', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const example = await readFile(new URL('./readme-example.test.ts', import.meta.url), 'utf8');
  const [first] = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
  expect(first).toBe(example);
});
