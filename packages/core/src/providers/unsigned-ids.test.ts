import { describe, expect, it } from 'vitest';
import { memoryReplayStore } from '../memory-replay-store.js';
import { replayGuard } from '../replay-guard.js';
import type { WebhookScheme } from '../types.js';
import { github } from './github.js';
import { shopify } from './shopify.js';

// A delivery id the signature does not cover can be rewritten by whoever captured the
// delivery; replay protection must not key on it, or a re-send with a new id is handled again.
describe.each([
  ['github', github({ secret: 'gh-secret' }), 'x-github-delivery'],
  ['shopify', shopify({ secret: 'shpss_secret' }), 'x-shopify-webhook-id'],
] as [string, WebhookScheme, string][])('%s', (_name, scheme, idHeader) => {
  const body = '{"action":"opened"}';

  it(`does not key replays on the unsigned ${idHeader}: a re-send with a new one is a duplicate`, async () => {
    const guard = replayGuard(scheme, { store: memoryReplayStore() });
    const headers = await scheme.sign({ body, id: 'delivery-1' });
    const first = await guard.claim(await scheme.verify({ headers, body }));
    if (!first.duplicate) await first.settle(200);
    const rewritten = { ...headers, [idHeader]: 'delivery-2' };
    expect(await guard.claim(await scheme.verify({ headers: rewritten, body }))).toEqual({
      duplicate: true,
    });
  });

  it('exposes no id, since only signed ids may be trusted', async () => {
    const delivery = await scheme.verify({ headers: await scheme.sign({ body }), body });
    expect(delivery.id).toBeUndefined();
  });
});
