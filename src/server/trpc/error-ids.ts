import { randomUUID } from "node:crypto";

const ids = new WeakMap<object, string>();

/**
 * A reference for an unexpected error: the client gets only this id, the log gets the id with the
 * details (statement, parameters, stack). Whichever of the formatter and the logger asks first
 * mints it; both get the same one.
 */
export function errorIdOf(error: object): string {
  let id = ids.get(error);
  if (!id) ids.set(error, (id = randomUUID()));
  return id;
}
