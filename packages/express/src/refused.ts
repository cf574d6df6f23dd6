/**
 * A rejection handed back as a value (`promise.catch(asValue)`): rethrown at an `await`,
 * a refusal would unwind the stack a second time, which costs more than the check.
 */
export class Refused {
  constructor(readonly error: unknown) {}
}

/** `.catch(asValue)`: the rejection as a {@link Refused} value. */
export const asValue = (error: unknown): Refused => new Refused(error);
