// The `req.webhook` augmentation of Express's Request, in one ambient file that both
// dist/index.d.ts (ESM) and dist/index.d.cts (CJS) reference. Declared inside each of them, a
// program loading both (an .mts and a .cts importing @hookguard/express under nodenext) saw two
// declarations of `webhook` with types TypeScript does not treat as identical: TS2717. One
// file is one declaration, and its `import()` resolves one way (this package is ESM).

declare namespace Express {
  interface Request {
    /**
     * The verified delivery, set by `verifyWebhook()` before the route handler runs. Typed
     * as present so handlers behind the middleware read `req.webhook.id` directly; it is
     * `undefined` on routes without it. Its payload has the route's body type.
     */
    webhook: import('@hookguard/core').VerifiedWebhook<
      this extends { body: infer Body } ? Body : unknown
    >;
    /**
     * Who the request is, set by `verifyWebhook()` with a credential method such as
     * `apiKey()` (its principal and scopes) or with a scheme (`method` is the scheme's name).
     */
    auth: import('@hookguard/core').Authenticated;
  }
}
