/** True in Node (and runtimes that present themselves as Node): node: modules can be loaded. */
export function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
}
