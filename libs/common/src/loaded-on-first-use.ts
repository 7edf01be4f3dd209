/**
 * A library that loads on its first use rather than with the module that imports it: for one
 * that only some processes or paths need, since whatever a process loads stays in its memory.
 * node-forge (42 modules, about 3 MB resident) is needed only to sign certificates or read a CRL.
 */
export function loadedOnFirstUse<T extends object>(load: () => T): T {
  let loaded: T | undefined;
  return new Proxy({} as T, { get: (_target, key) => Reflect.get((loaded ??= load()), key) });
}
