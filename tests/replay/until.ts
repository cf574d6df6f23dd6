/** Polls `condition` a bounded number of times, so tests wait for a state, never for a time. */
export const until = async (condition: () => Promise<boolean>, what: string): Promise<void> => {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Gave up waiting for ${what}.`);
};
