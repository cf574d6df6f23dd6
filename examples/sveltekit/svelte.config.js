import adapter from '@sveltejs/adapter-node';

// Webhook senders send no Origin header, so SvelteKit's CSRF check answers their
// form-encoded, multipart and text/plain POSTs with 403 before any endpoint runs
// (JSON bodies are never checked). This app serves webhooks only, and every endpoint
// verifies a signature or a key, so it trusts every origin. An app that also has form
// actions should keep the check and have senders post JSON (or serve webhooks apart).
// KIT_CSRF=strict builds with SvelteKit's default instead, to show the refusal.
const strict = process.env.KIT_CSRF === 'strict';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    adapter: adapter({ out: strict ? 'build-strict-csrf' : 'build' }),
    csrf: { trustedOrigins: strict ? [] : ['*'] },
  },
};

export default config;
